import { examples } from './createEnvironment.examples';
import {
  ExamplesBackend,
  exampleParameters,
  startExamplesBackend,
} from './__testUtils__/examplesBackend';

jest.setTimeout(300_000);

describe('envmesh:environment:create examples', () => {
  let backend: ExamplesBackend;
  beforeAll(async () => {
    backend = await startExamplesBackend();
  }, 300_000);
  afterAll(async () => {
    await backend?.stop();
  });

  it.each(examples.map(example => [example.description, example] as const))(
    'runs in dry-run against the real engine: %s',
    async (_description, example) => {
      const { status, log, body } = await backend.dryRun(example, {
        ...exampleParameters,
        name: 'examples-new',
      });

      expect(status).toBe(200);
      expect({ log, output: body.output }).toEqual(
        expect.objectContaining({
          log: expect.arrayContaining([
            expect.stringMatching(/^dry run: would (create|copy) environment /),
          ]),
        }),
      );
    },
  );
});
