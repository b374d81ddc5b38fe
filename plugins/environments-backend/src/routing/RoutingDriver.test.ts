import { InputError } from '@backstage/errors';
import {
  DRIVER_HARNESSES,
  recordRouting,
  routedAs,
  routedNamespace,
} from './__testUtils__/drivers';
import { ServiceRoutingRef } from './RoutingDriver';
import { RoutingViolationError } from './validateRouting';

jest.setTimeout(60_000);

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    error => error,
  );
}

// The same behaviour, whatever the driver renders it as; runs against the real local cluster.
describe.each(DRIVER_HARNESSES)('routing driver $kind', harness => {
  let ns: { name: string; delete(): Promise<void> };
  let ref: ServiceRoutingRef;
  const driver = harness.create();

  beforeEach(async () => {
    ({ ns, ref } = await routedNamespace('routing-drv'));
  });
  afterEach(async () => {
    await ns.delete();
  });

  it('adds the backend, then (once ready) the route, and removes both', async () => {
    let duringWait: Awaited<ReturnType<typeof driver.read>> | undefined;
    await driver.addFeature({
      ...ref,
      feature: 'feature-31337',
      waitReady: async () => {
        duringWait = await driver.read(ref);
      },
    });
    expect(duringWait).toMatchObject({
      backends: ['feature-31337'],
      routes: [],
    });
    expect(await harness.summary(driver, ref)).toEqual(
      routedAs(['feature-31337']),
    );

    await driver.removeFeature({ ...ref, feature: 'feature-31337' });
    expect(await driver.read(ref)).toEqual(
      expect.objectContaining({ backends: [], routes: [], hasRouting: true }),
    );
    expect(await harness.summary(driver, ref)).toEqual(routedAs([]));
  });

  it('setFeatures reconciles to exactly the given set', async () => {
    await driver.setFeatures({ ...ref, features: ['f-a', 'f-b', 'f-c'] });
    await driver.addFeature({ ...ref, feature: 'f-d' });
    const ready: string[] = [];
    await driver.setFeatures({
      ...ref,
      features: ['f-e', 'f-b', 'f-c'],
      waitReady: async feature => {
        ready.push(feature);
      },
    });
    expect(ready.sort()).toEqual(['f-b', 'f-c', 'f-e']);
    expect(await harness.summary(driver, ref)).toEqual(
      routedAs(['f-b', 'f-c', 'f-e']),
    );
    // Idempotent.
    await driver.setFeatures({ ...ref, features: ['f-b', 'f-c', 'f-e'] });
    expect(await harness.summary(driver, ref)).toEqual(
      routedAs(['f-b', 'f-c', 'f-e']),
    );
  });

  it('never leaves a route to a missing backend while removing (watched)', async () => {
    const features = ['f-1', 'f-2', 'f-3', 'f-4', 'f-5', 'f-6'];
    await driver.setFeatures({ ...ref, features });
    const recorder = await recordRouting(harness, ns.name);
    try {
      await driver.removeFeature({ ...ref, feature: 'f-1' });
      await Promise.all(
        ['f-2', 'f-3', 'f-4'].map(feature =>
          driver.removeFeature({ ...ref, feature }),
        ),
      );
      expect(await harness.summary(driver, ref)).toEqual(
        routedAs(['f-5', 'f-6']),
      );
      await recorder.caughtUp();
    } finally {
      recorder.stop();
    }

    let states = 0;
    let routedWithoutBackend = 0;
    let routeGoneBackendKept = 0;
    let bothGone = 0;
    for (const state of recorder.replay()) {
      states++;
      expect(harness.violations(ref, state)).toEqual([]);
      const routed = harness.routed(ref, state, 'f-1');
      const backend = harness.hasBackend(ref, state, 'f-1');
      if (routed && !backend) routedWithoutBackend++;
      if (!routed && backend) routeGoneBackendKept++;
      if (!routed && !backend) bothGone++;
    }
    expect(routedWithoutBackend).toBe(0);
    // The moment between the two writes was observed: route removed first, backend still there; then gone.
    expect(routeGoneBackendKept).toBeGreaterThan(0);
    expect(bothGone).toBeGreaterThan(0);
    expect(states).toBeGreaterThanOrEqual(6);
  });

  it('reports instead of routing a feature whose backend another writer removed', async () => {
    await driver.addFeature({ ...ref, feature: 'f-1' });
    const other = harness.create();
    const error = await rejection(
      driver.addFeature({
        ...ref,
        feature: 'f-2',
        // Another replica removes the feature between the backend and the route step.
        waitReady: () => other.removeFeature({ ...ref, feature: 'f-2' }),
      }),
    );
    expect(error).toBeInstanceOf(RoutingViolationError);
    expect(error.violations).toEqual([
      expect.objectContaining({
        code: harness.kind === 'istio' ? 'missing-subset' : 'missing-backend',
        subset: 'f-2',
      }),
    ]);
    expect(await harness.summary(driver, ref)).toEqual(routedAs(['f-1']));
  });

  it('rejects a feature name that cannot be a DNS label, writing nothing', async () => {
    const error = await rejection(
      driver.addFeature({ ...ref, feature: 'Feature_1' }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/feature/);
    expect(await driver.read(ref)).toEqual(
      expect.objectContaining({ backends: [], routes: [], hasRouting: false }),
    );
  });
});
