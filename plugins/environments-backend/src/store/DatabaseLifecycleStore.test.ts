import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import { createDatabaseStores } from './DatabaseStores';

jest.setTimeout(60_000);

const databases = TestDatabases.create({
  ids: ['SQLITE_3', 'POSTGRES_15'],
});

describe.each(databases.eachSupportedId())(
  'DatabaseLifecycleStore on %s',
  databaseId => {
    async function createStores() {
      const stores = await createDatabaseStores({
        database: mockServices.database({
          knex: await databases.init(databaseId),
        }),
      });
      const { environments, lifecycle } = stores;
      await environments.createEnvironment({
        name: 'dev',
        cluster: 'local',
        namespace: 'dev',
        owner: 'group:default/platform',
        globalValues: {},
        config: { configMaps: [], secrets: [] },
        resources: { gateways: [], certificates: [] },
        services: [],
      });
      await stores.features.createFeature({
        name: 'feature-1',
        environment: 'dev',
        owner: 'user:default/jane',
        instances: [],
      });
      return { environments, lifecycle };
    }

    it('keeps settings and the wake-until override apart from the spec, and a wake ends the override', async () => {
      const { environments, lifecycle } = await createStores();
      const schedule = {
        timeZone: 'Europe/Berlin',
        windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5' }],
      };
      const until = new Date('2026-12-08T20:00:00Z');
      await lifecycle.updateLifecycle('dev', {
        settings: { sleepSchedule: schedule, disposable: true },
        wakeUntil: until,
      });
      expect(await environments.getEnvironment('dev')).toMatchObject({
        lifecycle: { sleepSchedule: schedule, disposable: true },
        wakeUntil: until.toISOString(),
      });
      // An update of the spec keeps what it carries.
      const env = (await environments.getEnvironment('dev'))!;
      await environments.updateEnvironment({ ...env, description: 'changed' });
      expect(await environments.getEnvironment('dev')).toMatchObject({
        lifecycle: { disposable: true },
      });

      await environments.setAsleep('dev', new Date(), 'schedule');
      expect(await environments.getEnvironment('dev')).toMatchObject({
        sleepReason: 'schedule',
      });
      await environments.setAsleep('dev');
      const woken = await environments.getEnvironment('dev');
      expect(woken?.wakeUntil).toBeUndefined();
      expect(woken?.sleepReason).toBeUndefined();
      expect(woken?.awakeSince).toEqual(expect.any(String));
      await expect(
        lifecycle.updateLifecycle('none', { wakeUntil: null }),
      ).rejects.toThrow(NotFoundError);
    });

    it("records a feature branch's activity as its environment's too", async () => {
      const { environments, lifecycle } = await createStores();
      const at = new Date('2026-12-09T10:00:00Z');
      await lifecycle.recordActivity({ feature: 'feature-1' }, at);
      expect((await lifecycle.listFeatureActivity()).get('feature-1')).toEqual(
        at,
      );
      expect((await environments.getEnvironment('dev'))?.lastActivityAt).toBe(
        at.toISOString(),
      );
    });

    it('remembers each notice once, until it is pruned', async () => {
      const { lifecycle } = await createStores();
      const notice = {
        target: 'feature:feature-1',
        action: 'delete' as const,
        dueAt: new Date('2026-12-09T07:30:00Z'),
      };
      expect(await lifecycle.noticeSentAt(notice)).toBeUndefined();
      const sentAt = new Date('2026-12-09T07:00:00Z');
      await lifecycle.recordNotice(notice, sentAt);
      await lifecycle.recordNotice(notice, new Date()); // another replica's run
      expect(await lifecycle.noticeSentAt(notice)).toEqual(sentAt);
      expect(
        await lifecycle.pruneNotices(new Date('2026-12-10T00:00:00Z')),
      ).toBe(1);
      expect(await lifecycle.noticeSentAt(notice)).toBeUndefined();
    });
  },
);
