import { examples } from './deployFeature.examples';
import { describeExamples } from './__testUtils__/examplesBackend';

jest.setTimeout(300_000);

describeExamples('envmesh:feature:deploy', examples, {
  name: 'examples-feature',
  expected: /^dry run: would (create feature branch|deploy instances)/,
});
