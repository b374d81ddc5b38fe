import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  apiCaller,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples');
const ENV = 'unschedulable';

/**
 * Failing well at scale (issue 18, item 6): services whose pods can never be scheduled fail their group once
 * they have been Unschedulable for the grace, long before the ready timeout, with one line per cause in the
 * operation's error and a line per service in its log.
 */
describe('unschedulable services', () => {
  afterAll(async () => {
    await testKubeConfig()
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: ENV })
      .catch(() => undefined);
  });

  it('fail their group after the grace, grouped by cause, each in the log', async () => {
    const backend = await startTestBackend({
      features: [
        environmentsPlugin,
        mockServices.rootConfig.factory({
          data: localBackendConfig({
            // A timeout the test would run into; the grace ends it first.
            rollout: { readyTimeoutSeconds: 600, unschedulableGraceSeconds: 2 },
          }),
        }),
      ],
    });
    const call = apiCaller(backend.server);
    try {
      await call('post', '/services/import', {
        source: { type: 'directory', location: examples },
      });
      // More CPU than any node has.
      const tooBig = { 'resources.requests.cpu': '5000' };
      const created = await call('post', '/environments', {
        name: ENV,
        cluster: 'local',
        owner: 'group:default/platform-team',
        services: [
          { name: 'config-service' },
          { name: 'demo-api', keyValues: tooBig },
          { name: 'demo-orders', keyValues: tooBig },
        ],
      });
      expect(created.status).toBe(202);
      const operation = await waitForOperation(call, created.body.id, 120_000);
      expect(operation.state).toBe('failed');
      expect(operation.error).toMatch(
        /^2 service\(s\) not ready and Unschedulable for over 2 s: 2 \(demo-api, demo-orders\): Unschedulable: 0\/\d+ nodes are available: .*Insufficient cpu/,
      );
      // The group before them is ready; the failed group names its step.
      expect(operation.steps.map((s: any) => `${s.name}: ${s.state}`)).toEqual(
        expect.arrayContaining([
          'wait for group 0 to be ready: succeeded',
          'wait for group 1 to be ready: failed',
        ]),
      );
      const logs = (await call('get', `/operations/${created.body.id}/logs`))
        .body.items as Array<{ level: string; message: string }>;
      for (const service of ['demo-api', 'demo-orders']) {
        expect(logs).toContainEqual(
          expect.objectContaining({
            level: 'error',
            message: expect.stringMatching(
              new RegExp(`^service ${service} not ready .*Insufficient cpu`),
            ),
          }),
        );
      }
    } finally {
      await backend.stop();
    }
  });
});
