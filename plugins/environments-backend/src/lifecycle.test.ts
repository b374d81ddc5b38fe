import path from 'node:path';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  ApiCall,
  apiCaller,
  eventually,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples');
const NIGHTLY = 'nightly';
const IDLER = 'idler';
const FEATURE = 'feature-idle';
const OWNER = 'group:default/platform-team';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);
const sent: NotificationSendOptions[] = [];

/** Sets the fake clock (only `Date` is faked; it runs on from there at real speed). */
const setNow = (iso: string) => jest.setSystemTime(new Date(iso));

/** Every Deployment of the namespace as `name → replicas`. */
async function replicas(namespace: string) {
  const { items } = await apps.listNamespacedDeployment({ namespace });
  return Object.fromEntries(
    items.map(d => [d.metadata!.name!, d.spec?.replicas ?? 0]),
  );
}

const titles = () => sent.map(n => n.payload.title);

/**
 * The lifecycle task on the local cluster, with a fake clock (Backstage's real scheduler runs the task every
 * second; the task reads the time from `Date`, which the test moves). The week starts on Monday 2026-12-07,
 * 08:30 in Berlin (UTC+1): "nightly" sleeps 19:00–08:00 on weekdays, "idler" has no schedule and is
 * disposable.
 */
describe('lifecycle', () => {
  let call: ApiCall;
  let stop: () => Promise<void>;

  /** The environment's operations started by the lifecycle task, oldest first. */
  async function lifecycleOperations(environment: string) {
    const { body } = await call(
      'get',
      `/environments/${environment}/operations`,
    );
    return (body.items as any[])
      .filter(o => o.actor === 'envmesh:lifecycle')
      .reverse();
  }

  /** Waits for the lifecycle task's `count`-th operation on the environment, and for it to end. */
  async function nthLifecycleOperation(environment: string, count: number) {
    const started = await eventually(async () => {
      const operations = await lifecycleOperations(environment);
      return operations.length >= count ? operations[count - 1] : undefined;
    });
    return waitForOperation(call, started.id);
  }

  beforeAll(async () => {
    jest.useFakeTimers({
      now: new Date('2026-12-07T07:30:00Z'),
      advanceTimers: true,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    const backend = await startTestBackend({
      features: [
        environmentsPlugin,
        // The real scheduler: the test backend's mock one runs tasks only at startup.
        schedulerServiceFactory,
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({
            send: async (options: NotificationSendOptions) => {
              sent.push(options);
            },
          }),
        }),
        mockServices.rootConfig.factory({
          data: localBackendConfig({
            rollout: { readyTimeoutSeconds: 60 },
            lifecycle: {
              intervalSeconds: 1,
              idleSleepHours: 24,
              idleDeleteDays: 2,
              warnBeforeMinutes: 30,
              whenAsleep: 'wake',
            },
          }),
        }),
      ],
    });
    call = apiCaller(backend.server);
    stop = () => backend.stop();
    await call('post', '/services/import', {
      source: { type: 'directory', location: examples },
    });
    const created = [
      await call('post', '/environments', {
        name: NIGHTLY,
        cluster: 'local',
        owner: OWNER,
        services: [
          { name: 'config-service' },
          { name: 'demo-api' },
          { name: 'demo-orders' },
        ],
        lifecycle: {
          sleepSchedule: {
            timeZone: 'Europe/Berlin',
            windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5' }],
          },
        },
      }),
      await call('post', '/environments', {
        name: IDLER,
        cluster: 'local',
        owner: OWNER,
        services: [{ name: 'config-service' }],
        lifecycle: { disposable: true },
      }),
    ];
    for (const res of created) {
      const rollout = await waitForOperation(call, res.body.id);
      if (rollout.state !== 'succeeded') {
        throw new Error(`did not roll out: ${rollout.error}`);
      }
    }
    const feature = await call('post', '/features', {
      name: FEATURE,
      environment: NIGHTLY,
      owner: 'user:default/janedoe',
      instances: [{ service: 'demo-api', imageTag: '2.0.0' }],
    });
    await waitForOperation(call, feature.body.operation.id);
  });

  afterAll(async () => {
    await stop?.();
    jest.useRealTimers();
    for (const name of [NIGHTLY, IDLER]) {
      await core.deleteNamespace({ name }).catch(() => undefined);
    }
  });

  it('refuses a schedule whose cron or time zone is wrong, naming the field', async () => {
    const res = await call('put', `/environments/${NIGHTLY}/lifecycle`, {
      sleepSchedule: {
        timeZone: 'Europe/Berlin',
        windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * *' }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      "sleepSchedule.windows.0.wake: '0 8 * *' must have five fields (minute hour day-of-month month day-of-week)",
    );
    expect(
      (await call('get', `/environments/${NIGHTLY}/lifecycle`)).body,
    ).toMatchObject({
      sleepSchedule: { windows: [{ wake: '0 8 * * 1-5' }] },
      state: 'awake',
      next: {
        action: 'sleep',
        reason: 'schedule',
        at: '2026-12-07T18:00:00.000Z',
      },
    });
  });

  it('tells the owner before a scheduled sleep, then sleeps the last startup group first at 19:00', async () => {
    setNow('2026-12-07T17:45:00Z');
    await eventually(async () =>
      titles().includes(
        'Environment nightly will sleep at 2026-12-07 18:00 UTC',
      )
        ? true
        : undefined,
    );
    expect(await lifecycleOperations(NIGHTLY)).toEqual([]);

    setNow('2026-12-07T18:00:30Z');
    const sleep = await nthLifecycleOperation(NIGHTLY, 1);
    expect(sleep).toMatchObject({ type: 'sleep', state: 'succeeded' });
    expect(sleep.steps.map((s: any) => s.name)).toEqual([
      'scale group 1 to zero',
      'scale group 0 to zero',
    ]);
    // The feature instance sleeps with its base.
    expect(await replicas(NIGHTLY)).toEqual({
      'config-service': 0,
      'demo-api': 0,
      'demo-api-feature-idle': 0,
      'demo-orders': 0,
    });
    expect(
      (await call('get', `/environments/${NIGHTLY}/lifecycle`)).body,
    ).toMatchObject({
      state: 'asleep',
      sleepReason: 'schedule',
      next: { action: 'wake', at: '2026-12-08T07:00:00.000Z' },
    });
  });

  it('wakes it group by group at 08:00 the next weekday', async () => {
    setNow('2026-12-08T07:00:30Z');
    const wake = await nthLifecycleOperation(NIGHTLY, 2);
    expect(wake).toMatchObject({ type: 'wake', state: 'succeeded' });
    expect(wake.steps.map((s: any) => s.name)).toEqual([
      'scale group 0 back up',
      'wait for group 0 to be ready',
      'scale group 1 back up',
      'wait for group 1 to be ready',
    ]);
    expect(Object.values(await replicas(NIGHTLY))).not.toContain(0);
  });

  it('sleeps an environment awake and untouched for idleSleepHours', async () => {
    setNow('2026-12-08T17:00:00Z');
    const sleep = await nthLifecycleOperation(IDLER, 1);
    expect(sleep).toMatchObject({ type: 'sleep', state: 'succeeded' });
    expect(
      (await call('get', `/environments/${IDLER}/lifecycle`)).body,
    ).toMatchObject({ state: 'asleep', sleepReason: 'idle' });
    expect(
      titles().filter(t => t.startsWith('Environment idler will sleep')),
    ).toEqual([expect.stringMatching(/ at 2026-12-08 07:3\d UTC$/)]);
  });

  it('keeps an environment awake until a wake-until ends, then sleeps it inside the window', async () => {
    const override = await call('put', `/environments/${NIGHTLY}/lifecycle`, {
      wakeUntil: '2026-12-08T20:00:00Z',
    });
    expect(override.status).toBe(200);
    expect(override.body).toMatchObject({
      wakeUntil: '2026-12-08T20:00:00.000Z',
      next: {
        action: 'sleep',
        reason: 'schedule',
        at: '2026-12-08T20:00:00.000Z',
      },
    });
    setNow('2026-12-08T18:00:30Z');
    // Runs of the task pass without a sleep.
    await new Promise(resolve => setTimeout(resolve, 3000));
    expect(await lifecycleOperations(NIGHTLY)).toHaveLength(2);

    setNow('2026-12-08T20:00:30Z');
    expect(await nthLifecycleOperation(NIGHTLY, 3)).toMatchObject({
      type: 'sleep',
      state: 'succeeded',
    });
  });

  it('wakes a sleeping environment before an update when whenAsleep is wake', async () => {
    const res = await call('patch', `/environments/${NIGHTLY}`, {
      globalValues: { podAnnotations: { 'envmesh.io/test': 'woken' } },
    });
    expect(res.status).toBe(202);
    const update = await waitForOperation(call, res.body.id);
    console.log(
      JSON.stringify(update.steps),
      JSON.stringify(
        (await call('get', `/operations/${res.body.id}/logs`)).body,
      ),
    );
    expect(update).toMatchObject({ type: 'update', state: 'succeeded' });
    expect(update.steps.map((s: any) => s.name).slice(0, 5)).toEqual([
      'scale group 0 back up',
      'wait for group 0 to be ready',
      'scale group 1 back up',
      'wait for group 1 to be ready',
      'prepare namespace, config and resources',
    ]);
    expect(Object.values(await replicas(NIGHTLY))).not.toContain(0);
    expect(
      (await call('get', `/environments/${NIGHTLY}/lifecycle`)).body,
    ).toMatchObject({
      state: 'awake',
      // Woken inside the window, and the ended override gone with the wake: it sleeps at the next window.
      next: {
        action: 'sleep',
        reason: 'schedule',
        at: '2026-12-09T18:00:00.000Z',
      },
    });
  });

  it('warns, then deletes a feature branch and a disposable environment idle for idleDeleteDays', async () => {
    setNow('2026-12-09T07:10:00Z');
    await eventually(async () =>
      titles().some(t =>
        t.startsWith('Feature branch feature-idle will be deleted'),
      ) && titles().some(t => t.startsWith('Environment idler will be deleted'))
        ? true
        : undefined,
    );
    expect((await call('get', `/features/${FEATURE}`)).status).toBe(200);

    setNow('2026-12-09T07:45:00Z');
    const removal = await eventually(async () =>
      (
        await lifecycleOperations(NIGHTLY)
      ).find(o => o.type === 'remove-feature' && o.feature === FEATURE),
    );
    await waitForOperation(call, removal.id);
    expect((await call('get', `/features/${FEATURE}`)).status).toBe(404);
    await eventually(
      async () =>
        (await call('get', `/environments/${IDLER}`)).status === 404
          ? true
          : undefined,
      60_000,
    );
    // The base, active since its update, stays.
    expect((await call('get', `/environments/${NIGHTLY}`)).status).toBe(200);
  });

  it('wakes a sleeping base before a feature deploy when whenAsleep is wake', async () => {
    const sleep = await call('post', `/environments/${NIGHTLY}/sleep`);
    await waitForOperation(call, sleep.body.id);
    const res = await call('post', '/features', {
      name: 'feature-late',
      environment: NIGHTLY,
      instances: [{ service: 'demo-orders' }],
    });
    expect(res.status).toBe(202);
    const { body } = await call('get', `/environments/${NIGHTLY}/operations`);
    const wake = body.items.find((o: any) => o.type === 'wake');
    expect(wake).toMatchObject({ actor: 'user:default/mock' });
    expect(await waitForOperation(call, wake.id)).toMatchObject({
      state: 'succeeded',
    });
    expect(await waitForOperation(call, res.body.operation.id)).toMatchObject({
      state: 'succeeded',
    });
    const running = await replicas(NIGHTLY);
    expect(running['demo-orders-feature-late']).toBe(1);
    expect(Object.values(running)).not.toContain(0);
  });
});
