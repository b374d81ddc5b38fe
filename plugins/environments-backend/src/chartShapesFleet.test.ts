import fs from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  ChartShapesFleet,
  makeChartShapesFleet,
} from './__testUtils__/chartShapes';
import {
  ApiCall,
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';

/** Services per chart shape: four shapes, so 300 services of 263 charts by default (ENVMESH_FLEET_PER_SHAPE). */
const PER_SHAPE = Number(process.env.ENVMESH_FLEET_PER_SHAPE ?? 75);

jest.setTimeout(30 * 60_000);

const core = testKubeConfig().makeApiClient(CoreV1Api);

/** The pod names of a service, base and the feature's instance. */
async function podsOf(namespace: string, service: string) {
  const pods = (
    await core.listNamespacedPod({
      namespace,
      labelSelector: `envmesh.io/service=${service}`,
    })
  ).items.filter(p => !p.metadata?.deletionTimestamp);
  const names = (feature: boolean) =>
    pods
      .filter(p => !!p.metadata?.labels?.['envmesh.io/feature'] === feature)
      .map(p => p.metadata?.name ?? '')
      .sort();
  return { base: names(false), feature: names(true) };
}

// A services repository of a few hundred charts in every shape users write, rolled out whole, with a
// feature over a chain of three of them, in each routing mode.
describe(`a services repository of ${
  PER_SHAPE * 4
} charts as users write them`, () => {
  let fleet: ChartShapesFleet;
  let call: ApiCall;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    fleet = await makeChartShapesFleet(PER_SHAPE);
    ({ call, stop } = await startImportedBackend(fleet.root, {
      rollout: { readyTimeoutSeconds: 600 },
    }));
  });

  afterAll(async () => {
    await stop?.();
    if (fleet) await fs.rm(fleet.root, { recursive: true, force: true });
  });

  it.each(['subset', 'service'] as const)(
    'rolls out all of them and routes a feature over a chain of three (%s mode)',
    async mode => {
      const env = `fleet-${mode}`;
      const feature = `f-fleet-${mode}`;
      try {
        const created = await call('post', '/environments', {
          name: env,
          cluster: 'local',
          owner: 'group:default/platform-team',
          routing: { mode },
          resources: {
            gateways: [{ name: 'demo-gateway', hosts: ['*.demo.net'] }],
          },
          services: fleet.services.map(name => ({ name })),
        });
        expect(created.status).toBe(202);
        const rollout = await waitForOperation(
          call,
          created.body.id,
          20 * 60_000,
        );
        expect({ state: rollout.state, error: rollout.error }).toEqual({
          state: 'succeeded',
          error: undefined,
        });

        const chain = fleet.chain;
        const entry = chain[0];
        const deployed = await call('post', '/features', {
          name: feature,
          environment: env,
          instances: fleet.chain.map(service => ({ service })),
        });
        expect(deployed.status).toBe(202);
        const operation = await waitForOperation(
          call,
          deployed.body.operation.id,
          5 * 60_000,
        );
        expect(operation.state).toBe('succeeded');

        // In through the entry's own gateway-bound VirtualService, then along the chain.
        const trace = async (headers?: Record<string, string>) => {
          const res = await call('post', `/environments/${env}/routes/trace`, {
            host: `${entry}.demo.net`,
            chain,
            ...(headers ? { headers } : {}),
          });
          expect(res.status).toBe(200);
          return res.body.hops as Array<{ service?: string; pods: string[] }>;
        };
        const pods = Object.fromEntries(
          await Promise.all(
            chain.map(async s => [s, await podsOf(env, s)] as const),
          ),
        );
        for (const service of chain) {
          expect({ service, base: pods[service].base.length }).toEqual({
            service,
            base: 1,
          });
          expect({ service, feature: pods[service].feature.length }).toEqual({
            service,
            feature: 1,
          });
        }
        const plain = await trace();
        expect(plain.map(h => h.pods)).toEqual([
          pods[entry].base,
          ...chain.map(s => pods[s].base),
        ]);
        const featured = await trace({ 'X-FEATURE-NAME': feature });
        expect(featured.map(h => h.pods)).toEqual([
          pods[entry].feature,
          ...chain.map(s => pods[s].feature),
        ]);
      } finally {
        if (!process.env.KEEP)
          await core.deleteNamespace({ name: env }).catch(() => undefined);
      }
    },
  );
});
