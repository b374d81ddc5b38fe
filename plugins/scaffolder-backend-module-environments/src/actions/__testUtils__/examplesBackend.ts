/*
 * Runs the examples of an action's `*.examples.ts` through the real scaffolder backend in dry-run, with this
 * module's actions calling the real environments backend plugin (in process) on the local cluster, as
 * templateRun.test.ts does. The engine holds what the examples name: the example environment `demo-dev` and,
 * when asked, its feature branches `checkout-redesign` and `feature-1234`.
 */
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { RealEngine, startRealEngine } from '@envmesh/engine-test-utils';
import yaml from 'js-yaml';
import { scaffolderModuleEnvmeshEnvironments } from '../../module';

/** Values of the `${{ parameters.* }}` the examples use. */
const exampleParameters = {
  cluster: 'local',
  owner: 'group:default/team-a',
  services: ['demo-api'],
  source: 'demo-dev',
  environment: 'demo-dev',
  branch: 'feature/from-template',
  ttlHours: 4,
};

/** A task log line without its colours and level prefix. */
function plain(message: string) {
  const escape = String.fromCharCode(27);
  return message
    .split(escape)
    .map((part, index) => (index === 0 ? part : part.replace(/^\[\d+m/, '')))
    .join('')
    .replace(/^(info|warn|error): /, '');
}

/** Runs the example's steps as a template in dry-run; answers the status and the log lines. */
async function dryRun(
  engine: RealEngine,
  example: TemplateExample,
  parameters: Record<string, unknown>,
) {
  const { steps } = yaml.load(example.example) as { steps: unknown[] };
  const res = await engine.call('POST', '/api/scaffolder/v2/dry-run', {
    template: {
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name: 'example', namespace: 'default' },
      spec: {
        owner: 'group:default/platform-team',
        type: 'example',
        parameters: [],
        steps,
      },
    },
    values: parameters,
    directoryContents: [],
  });
  const log = (
    (res.body?.log ?? []) as Array<{ body: { message: string } }>
  ).map(e => plain(e.body.message));
  return { status: res.status, log };
}

/**
 * Declares one test per example of an action: it runs in dry-run against the real engine and logs the line
 * that `expected` matches. `name` is the value of `${{ parameters.name }}`.
 */
// eslint-disable-next-line jest/no-export -- a helper that declares the tests of each *.examples.test.ts
export function describeExamples(
  action: string,
  examples: TemplateExample[],
  options: { name: string; expected: RegExp; features?: boolean },
) {
  describe(`${action} examples`, () => {
    let engine: RealEngine;
    beforeAll(async () => {
      engine = await startRealEngine({
        features: [
          scaffolderPlugin,
          scaffolderModuleEnvmeshEnvironments,
          catalogServiceMock.factory({ entities: [] }),
        ],
      });
      // Their deploy operations run on: dry runs only read the feature branches.
      for (const [name, services] of options.features
        ? [
            ['checkout-redesign', ['demo-api']],
            ['feature-1234', ['demo-api', 'demo-orders']],
          ]
        : []) {
        const res = await engine.call('POST', '/api/environments/features', {
          name,
          environment: 'demo-dev',
          instances: (services as string[]).map(service => ({ service })),
        });
        if (res.status !== 202) {
          throw new Error(`deploy of ${name}: ${JSON.stringify(res.body)}`);
        }
      }
    }, 300_000);
    afterAll(async () => {
      await engine?.stop();
    });

    it.each(examples.map(example => [example.description, example] as const))(
      'runs in dry-run against the real engine: %s',
      async (_description, example) => {
        const { status, log } = await dryRun(engine, example, {
          ...exampleParameters,
          name: options.name,
        });

        expect(status).toBe(200);
        expect(log).toContainEqual(expect.stringMatching(options.expected));
      },
    );
  });
}
