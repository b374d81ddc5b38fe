import { examples } from './copyEnvironment.examples';
import { describeExamples } from './__testUtils__/examplesBackend';

jest.setTimeout(300_000);

describeExamples('envmesh:environment:copy', examples, {
  name: 'examples-copy',
  expected: /^dry run: would copy environment 'demo-dev' to /,
});
