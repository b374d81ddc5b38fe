import path from 'node:path';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  ChartRenderer,
  EnvironmentsClusterSupplier,
  environmentsPartsExtensionPoint,
} from '@envmesh/plugin-environments-node';
import { apiCaller, localBackendConfig } from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples');

function backendWith(...modules: ReturnType<typeof createBackendModule>[]) {
  return startTestBackend({
    features: [
      environmentsPlugin,
      ...modules,
      schedulerServiceFactory,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.rootConfig.factory({ data: localBackendConfig() }),
    ],
  });
}

describe('environmentsPartsExtensionPoint', () => {
  it('lets a module wrap the default renderer, replace the cluster supplier and price with its own cost source', async () => {
    const rendered: string[] = [];
    const wrapRenderer = createBackendModule({
      pluginId: 'environments',
      moduleId: 'counting-renderer',
      register(reg) {
        reg.registerInit({
          deps: { parts: environmentsPartsExtensionPoint },
          async init({ parts }) {
            parts.setRenderer(({ getDefault }) => {
              const helm: ChartRenderer = getDefault();
              return {
                render: request => {
                  rendered.push(request.release);
                  return helm.render(request);
                },
                chartDefaults: chart => helm.chartDefaults(chart),
                close: () => helm.close(),
              };
            });
            parts.setClusterSupplier(({ getDefault }) => {
              const configured: EnvironmentsClusterSupplier = getDefault();
              return {
                ...configured,
                kubeConfig: (name, field) => configured.kubeConfig(name, field),
                // A supplier that knows one more cluster than the config says.
                list: () => [
                  ...configured.list(),
                  {
                    name: 'from-a-module',
                    url: 'https://127.0.0.1:6443',
                  },
                ],
                status: name => configured.status(name),
              };
            });
            // A billing export's prices for one cluster, config's for the others.
            parts.setCostSource(({ getDefault }) => {
              const configured = getDefault();
              return {
                pricesFor: async cluster =>
                  cluster === 'local'
                    ? { currency: 'CHF', cpuHour: 0.07, memoryGiBHour: 0.02 }
                    : configured.pricesFor(cluster),
              };
            });
          },
        });
      },
    });
    const backend = await backendWith(wrapRenderer);
    try {
      const call = apiCaller(backend.server);
      const imported = await call('post', '/services/import', {
        source: { type: 'directory', location: examples },
      });
      expect(imported.status).toBe(200);
      // Every imported service was validated by a render through the wrapper.
      expect(rendered.length).toBeGreaterThan(0);
      expect(new Set(rendered)).toEqual(
        new Set([
          'config-service',
          'demo-api',
          'demo-orders',
          'demo-payments',
          'demo-ui',
        ]),
      );
      const clusters = await call('get', '/clusters');
      expect(clusters.body.items.map((c: { name: string }) => c.name)).toEqual([
        'local',
        'from-a-module',
      ]);
      // The cost ledger prices with the module's source.
      const created = await call('post', '/environments', {
        name: 'parts-cost',
        cluster: 'local',
        owner: 'group:default/team',
        services: [{ name: 'config-service' }],
      });
      expect(created.status).toBe(202);
      const cost = await call('get', '/environments/parts-cost/cost');
      expect(cost.status).toBe(200);
      expect(cost.body.prices).toEqual({
        currency: 'CHF',
        cpuHour: 0.07,
        memoryGiBHour: 0.02,
      });
      await call('delete', '/environments/parts-cost');
    } finally {
      await backend.stop();
    }
  });

  it('refuses a second factory for the same part, naming it', async () => {
    const setRouting = (moduleId: string) =>
      createBackendModule({
        pluginId: 'environments',
        moduleId,
        register(reg) {
          reg.registerInit({
            deps: { parts: environmentsPartsExtensionPoint },
            async init({ parts }) {
              parts.setRoutingDriver(({ getDefault }) => getDefault());
            },
          });
        },
      });
    await expect(backendWith(setRouting('a'), setRouting('b'))).rejects.toThrow(
      'a routing driver was already set for the environments backend',
    );
  });

  it('counts the requests an activity source saw as activity for idle recycling', async () => {
    const servedAt = new Date(Date.now() + 3_600_000);
    const requests = createBackendModule({
      pluginId: 'environments',
      moduleId: 'request-metrics',
      register(reg) {
        reg.registerInit({
          deps: { parts: environmentsPartsExtensionPoint },
          async init({ parts }) {
            // A mesh's request metrics: only parts-busy served requests.
            parts.setActivitySource(() => ({
              lastRequestAt: async ({ environment }) =>
                environment === 'parts-busy' ? servedAt : undefined,
            }));
          },
        });
      },
    });
    const backend = await backendWith(requests);
    try {
      const call = apiCaller(backend.server);
      await call('post', '/services/import', {
        source: { type: 'directory', location: examples },
      });
      for (const name of ['parts-busy', 'parts-quiet']) {
        const created = await call('post', '/environments', {
          name,
          cluster: 'local',
          owner: 'group:default/team',
          services: [],
        });
        expect(created.status).toBe(202);
      }
      const busy = await call('get', '/environments/parts-busy/lifecycle');
      expect(busy.body.lastActivityAt).toBe(servedAt.toISOString());
      // Idle sleep counts from the requests (12 h by default).
      expect(busy.body.next).toEqual({
        action: 'sleep',
        reason: 'idle',
        at: new Date(servedAt.getTime() + 12 * 3_600_000).toISOString(),
      });
      const quiet = await call('get', '/environments/parts-quiet/lifecycle');
      expect(new Date(quiet.body.lastActivityAt).getTime()).toBeLessThan(
        servedAt.getTime(),
      );
      // "Keep" is activity now, recorded once by the guarded path like every other mutation.
      const keptAt = Date.now();
      expect(
        (await call('post', '/environments/parts-quiet/keep')).status,
      ).toBe(200);
      const kept = await call('get', '/environments/parts-quiet/lifecycle');
      expect(
        new Date(kept.body.lastActivityAt).getTime(),
      ).toBeGreaterThanOrEqual(keptAt);
      for (const name of ['parts-busy', 'parts-quiet']) {
        await call('delete', `/environments/${name}`);
      }
    } finally {
      await backend.stop();
    }
  });
});
