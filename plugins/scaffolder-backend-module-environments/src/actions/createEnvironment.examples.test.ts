import { examples } from './createEnvironment.examples';
import { describeExamples } from './__testUtils__/examplesBackend';

jest.setTimeout(300_000);

describeExamples('envmesh:environment:create', examples, {
  name: 'examples-new',
  expected: /^dry run: would (create|copy) environment /,
});
