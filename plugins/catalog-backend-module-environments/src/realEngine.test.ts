/*
 * The entity provider against the real engine: the environments backend plugin on the local cluster with the
 * example demo-dev environment, and the real catalog with the example entities; demo-dev's Resource entity
 * appears with its relations to the components of its services.
 */
import {
  coreServices,
  createBackendModule,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { catalogModuleEnvironmentsProvider } from './module';
import {
  examples,
  RealEngine,
  startRealEngine,
} from '@envmesh/engine-test-utils';

jest.setTimeout(300_000);

/** The provider's config as `make dev` runs it. */
const providerConfig = (
  yaml.load(
    fs.readFileSync(path.resolve(examples, '../app-config.yaml'), 'utf8'),
  ) as any
).catalog.providers.envmesh;

/** The catalogEntityRef of each of demo-dev's services, from examples/services/<name>/service.yaml. */
function componentsOf(definition: any): string[] {
  return definition.spec.services
    .map(
      (s: { name: string }) =>
        (
          yaml.load(
            fs.readFileSync(
              path.join(examples, 'services', s.name, 'service.yaml'),
              'utf8',
            ),
          ) as { catalogEntityRef?: string }
        ).catalogEntityRef,
    )
    .filter(Boolean)
    .sort();
}

describe('the entity provider on the real engine', () => {
  let engine: RealEngine;
  let scheduler: SchedulerService | undefined;

  beforeAll(async () => {
    const captureScheduler = createBackendModule({
      pluginId: 'catalog',
      moduleId: 'test-scheduler-capture',
      register(reg) {
        reg.registerInit({
          deps: { s: coreServices.scheduler },
          async init({ s }) {
            scheduler = s;
          },
        });
      },
    });
    engine = await startRealEngine({
      features: [
        catalogPlugin,
        catalogModuleEnvironmentsProvider,
        captureScheduler,
      ],
      config: {
        catalog: {
          rules: [{ allow: ['Component', 'System', 'API', 'Resource'] }],
          locations: [
            { type: 'file', target: path.join(examples, 'entities.yaml') },
          ],
          providers: { envmesh: providerConfig },
        },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await engine?.stop();
  });

  async function entity(ref: string, ready: (e: any) => boolean) {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    for (let i = 0; ; i++) {
      const res = await engine.call(
        'GET',
        `/api/catalog/entities/by-name/${kind}/${namespace}/${name}`,
      );
      if (res.status === 200 && ready(res.body)) return res.body;
      if (i > 120) {
        throw new Error(`${ref}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  it("demo-dev appears as a Resource of app-config's system, a dependency of its services' components", async () => {
    // make dev's system is one of the example catalog.
    expect(providerConfig.system).toBe('system:default/demo-shop');
    await entity(providerConfig.system, () => true);

    await scheduler!.triggerTask('envmesh-environments:refresh');
    const components = componentsOf(engine.definition);
    expect(components).toEqual([
      'component:default/config-service',
      'component:default/demo-api',
      'component:default/demo-orders',
      'component:default/demo-payments',
      'component:default/demo-ui',
    ]);

    const resource = await entity(
      'resource:default/demo-dev',
      e =>
        e.relations?.filter((r: any) => r.type === 'dependencyOf').length ===
        components.length,
    );

    expect(resource.spec).toMatchObject({
      type: 'environment',
      owner: 'group:default/platform-team',
      system: 'system:default/demo-shop',
      dependencyOf: components,
    });
    expect(resource.metadata.annotations).toMatchObject({
      'envmesh.io/cluster': 'local',
      'envmesh.io/namespace': engine.namespace,
    });
    expect(
      resource.relations
        .filter((r: any) => r.type === 'dependencyOf')
        .map((r: any) => r.targetRef)
        .sort(),
    ).toEqual(components);
    expect(resource.relations).toContainEqual(
      expect.objectContaining({
        type: 'partOf',
        targetRef: 'system:default/demo-shop',
      }),
    );

    // And the other way round, on a component of the example catalog.
    const api = await entity('component:default/demo-api', e =>
      e.relations?.some(
        (r: any) =>
          r.type === 'dependsOn' && r.targetRef === 'resource:default/demo-dev',
      ),
    );
    expect(api.metadata.name).toBe('demo-api');
  });
});
