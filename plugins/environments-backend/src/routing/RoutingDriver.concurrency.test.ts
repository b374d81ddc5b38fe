import {
  DRIVER_HARNESSES,
  routedAs,
  routedNamespace,
} from './__testUtils__/drivers';
import { ServiceRoutingRef } from './RoutingDriver';

jest.setTimeout(120_000);

// Runs against the real local cluster started by the package's jest global setup.

const names = (count: number, prefix = 'feature') =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

/** Instances become ready at scattered times, so the route writes interleave with the backend writes. */
const scatteredReady = () => () =>
  new Promise<void>(r => setTimeout(r, Math.random() * 50));

describe.each(DRIVER_HARNESSES)(
  'routing driver $kind under concurrency',
  harness => {
    let ns: { name: string; delete(): Promise<void> };
    let ref: ServiceRoutingRef;

    beforeEach(async () => {
      ({ ns, ref } = await routedNamespace('routing-conc'));
    });
    afterEach(async () => {
      await ns.delete();
    });

    it('50 concurrent addFeature calls on one service lose no route', async () => {
      const driver = harness.create();
      const features = names(50);
      const started = Date.now();
      await Promise.all(
        features.map(feature =>
          driver.addFeature({ ...ref, feature, waitReady: scatteredReady() }),
        ),
      );
      const ms = Date.now() - started;
      expect(await harness.summary(driver, ref)).toEqual(routedAs(features));
      // eslint-disable-next-line no-console
      console.log(
        `${harness.kind}: 50 concurrent addFeature: all routed in ${ms} ms`,
        driver.stats,
      );
    });

    it('two writers (as two backend replicas) adding 25 each lose no route', async () => {
      const replicas = [harness.create(), harness.create()];
      const features = names(50);
      await Promise.all(
        features.map((feature, i) =>
          replicas[i % 2].addFeature({
            ...ref,
            feature,
            waitReady: scatteredReady(),
          }),
        ),
      );
      expect(await harness.summary(replicas[0], ref)).toEqual(
        routedAs(features),
      );
    });

    it('five writers adding 10 each, guarded only by resourceVersion, lose no route', async () => {
      const replicas = Array.from({ length: 5 }, () => harness.create());
      const features = names(50);
      await Promise.all(
        features.map((feature, i) =>
          replicas[i % 5].addFeature({
            ...ref,
            feature,
            waitReady: scatteredReady(),
          }),
        ),
      );
      expect(await harness.summary(replicas[0], ref)).toEqual(
        routedAs(features),
      );
      expect(
        replicas.reduce((sum, r) => sum + r.stats.conflicts, 0),
      ).toBeGreaterThan(0);
    });

    it('concurrent adds and removes end at exactly the expected set', async () => {
      const driver = harness.create();
      const initial = names(20, 'old');
      await driver.setFeatures({ ...ref, features: initial });
      const removed = initial.slice(0, 10);
      const added = names(10, 'new');
      await Promise.all([
        ...removed.map(feature => driver.removeFeature({ ...ref, feature })),
        ...added.map(feature =>
          driver.addFeature({ ...ref, feature, waitReady: scatteredReady() }),
        ),
      ]);
      expect(await harness.summary(driver, ref)).toEqual(
        routedAs([...initial.slice(10), ...added]),
      );
    });
  },
);
