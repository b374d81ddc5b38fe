import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';

const examples = path.resolve(__dirname, '../../../examples');
const ENV = 'unschedulable';

/**
 * Failing well at scale (issue 18, item 6): services whose pods can never be scheduled fail their group once
 * they have been Unschedulable for the grace, long before the ready timeout, with one line per cause in the
 * operation's error and a line per service in its log.
 */
describe('unschedulable services', () => {
  afterAll(async () => {
    for (const name of [ENV, `${ENV}-continue`]) {
      await testKubeConfig()
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name })
        .catch(() => undefined);
    }
  });

  it('fail their group after the grace, grouped by cause, each in the log', async () => {
    const { call, stop } = await startImportedBackend(examples, {
      // A timeout the test would run into; the grace ends it first.
      rollout: { readyTimeoutSeconds: 600, unschedulableGraceSeconds: 2 },
    });
    try {
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
      await stop();
    }
  });

  it('with onFailure: continue, roll out the other services and groups, and fail naming each failure', async () => {
    const { call, stop } = await startImportedBackend(examples, {
      rollout: { readyTimeoutSeconds: 600, unschedulableGraceSeconds: 2 },
    });
    try {
      const name = `${ENV}-continue`;
      const created = await call('post', '/environments', {
        name,
        cluster: 'local',
        owner: 'group:default/platform-team',
        onFailure: 'continue',
        services: [
          { name: 'config-service' },
          { name: 'demo-api', keyValues: { 'resources.requests.cpu': '5000' } },
          { name: 'demo-orders' },
          { name: 'demo-ui' },
        ],
      });
      expect(created.status).toBe(202);
      const operation = await waitForOperation(call, created.body.id, 120_000);
      expect(operation.state).toBe('failed');
      expect(operation.error).toMatch(
        /^continued past 1 failure\(s\), the rest is rolled out: 1 service\(s\) not ready and Unschedulable for over 2 s: 1 \(demo-api\): /,
      );
      const states = Object.fromEntries(
        operation.steps.map((s: any) => [s.name, s.state]),
      );
      expect(states).toMatchObject({
        'wait for group 1 to be ready': 'failed',
        'apply demo-ui': 'succeeded',
        'wait for group 2 to be ready': 'succeeded',
        'remove services that left the environment': 'succeeded',
      });
      const status = (await call('get', `/environments/${name}/status`)).body;
      expect(
        Object.fromEntries(status.services.map((s: any) => [s.name, s.ready])),
      ).toEqual({
        'config-service': true,
        'demo-api': false,
        'demo-orders': true,
        'demo-ui': true,
      });
      const bad = await call('post', '/environments', {
        name: `${name}-x`,
        cluster: 'local',
        owner: 'group:default/platform-team',
        onFailure: 'skip',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^onFailure: /);
    } finally {
      await stop();
    }
  });
});
