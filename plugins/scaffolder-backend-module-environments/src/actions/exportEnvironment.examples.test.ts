import { examples } from './exportEnvironment.examples';
import { describeExamples } from './__testUtils__/examplesBackend';

jest.setTimeout(300_000);

describeExamples('envmesh:environment:export', examples, {
  name: 'demo-dev',
  expected: /^wrote \d+ files of environment 'demo-dev' into /,
});
