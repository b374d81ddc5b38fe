import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import {
  closeTestStores,
  createTestStores,
  environment,
  newOperation,
} from '../__testUtils__/stores';
import { createDatabaseStores } from './DatabaseStores';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

afterAll(closeTestStores);

describe.each(databases.eachSupportedId())(
  'createDatabaseStores on %s',
  (databaseId: TestDatabaseId) => {
    it('commits the writes of a transaction to several stores together, or none of them', async () => {
      const { stores, other } = await createTestStores(databases, databaseId);
      await stores.transaction(async tx => {
        await tx.operations.createOperation(newOperation('kept'));
        await tx.environments.createEnvironment(environment('kept'));
      });
      expect(await other.environments.getEnvironment('kept')).toBeDefined();
      expect(
        await other.operations.listOperations({ environment: 'kept' }),
      ).toHaveLength(1);

      // The second environment takes the first's namespace: its operation goes too.
      const refused = stores.transaction(async tx => {
        await tx.operations.createOperation(newOperation('dropped'));
        await tx.environments.createEnvironment(
          environment('dropped', { namespace: 'kept' }),
        );
      });
      await expect(refused).rejects.toThrow(ConflictError);
      expect(
        await other.environments.getEnvironment('dropped'),
      ).toBeUndefined();
      expect(
        await other.operations.listOperations({ environment: 'dropped' }),
      ).toEqual([]);
    });

    it('deletes an environment with what other stores recorded for it', async () => {
      const { stores } = await createTestStores(databases, databaseId);
      await stores.environments.createEnvironment(environment('gone'));
      await stores.inventories.setInventory('gone', '', []);
      await stores.revisions.addRevision({
        environment: 'gone',
        service: 'web',
        values: {},
        manifestHash: 'h',
        actor: 'user:default/alice',
      });
      await stores.features.createFeature({
        name: 'f-1',
        environment: 'gone',
        owner: 'user:default/alice',
        instances: [{ service: 'web' }],
      });

      expect(await stores.environments.deleteEnvironment('gone')).toBe(true);
      expect(await stores.inventories.listInventories('gone')).toEqual([]);
      expect(await stores.revisions.listRevisions('gone')).toEqual([]);
      expect(await stores.features.getFeature('f-1')).toBeUndefined();
    });

    it('migrates a database once for all its stores, and not when the config skips it', async () => {
      const knex = await databases.init(databaseId);
      await createDatabaseStores({
        database: mockServices.database({ knex, migrations: { skip: true } }),
      });
      expect(await knex.schema.hasTable('environments')).toBe(false);

      const database = mockServices.database({ knex });
      // Each migration run gets a migrator from the client.
      const migrators = jest.spyOn(knex, 'migrate', 'get');
      const [first, second] = await Promise.all([
        createDatabaseStores({ database }),
        createDatabaseStores({ database }),
      ]);
      expect(migrators).toHaveBeenCalledTimes(1);
      expect(await first.environments.listEnvironments()).toEqual([]);
      expect(await second.operations.listOperations()).toEqual([]);
    });
  },
);
