import { examples } from './deleteFeature.examples';
import { describeExamples } from './__testUtils__/examplesBackend';

jest.setTimeout(300_000);

describeExamples('envmesh:feature:delete', examples, {
  name: 'checkout-redesign',
  expected: /^dry run: would remove /,
  features: true,
});
