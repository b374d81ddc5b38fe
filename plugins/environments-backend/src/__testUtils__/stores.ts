import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import type {
  EnvironmentSpec,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import knexFactory, { Knex } from 'knex';
import { createDatabaseStores, DatabaseStores } from '../store';

const extraConnections: Knex[] = [];

/**
 * A fresh database with two sets of stores on it, as two backend replicas would have (own connection
 * pools). Call {@link closeTestStores} after all tests.
 */
export async function createTestStores(
  databases: TestDatabases,
  id: TestDatabaseId,
) {
  const knex = await databases.init(id);
  const stores = await createDatabaseStores({
    database: mockServices.database({ knex }),
  });
  // An in-memory SQLite database exists once per connection, so the second set shares the first's pool.
  let otherKnex = knex;
  if (id !== 'SQLITE_3') {
    otherKnex = knexFactory(knex.client.config);
    extraConnections.push(otherKnex);
  }
  const other = await createDatabaseStores({
    database: mockServices.database({
      knex: otherKnex,
      migrations: { skip: true },
    }),
  });
  return { stores, other };
}

/** Closes the second connection pools of {@link createTestStores}. */
export async function closeTestStores() {
  await Promise.all(extraConnections.splice(0).map(k => k.destroy()));
}

/**
 * Declares the tests of one store once per database of the jest global setup (PostgreSQL and SQLite).
 * `createStores` opens a fresh database: the store, the same store of another replica, and all the stores.
 */
export function describeStore<K extends keyof DatabaseStores>(
  name: string,
  key: K,
  tests: (
    createStores: () => Promise<{
      store: DatabaseStores[K];
      other: DatabaseStores[K];
      stores: DatabaseStores;
    }>,
  ) => void,
): TestDatabases {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
  afterAll(closeTestStores);
  describe.each(databases.eachSupportedId())(`${name} on %s`, databaseId => {
    tests(async () => {
      const { stores, other } = await createTestStores(databases, databaseId);
      return { store: stores[key], other: other[key], stores };
    });
  });
  return databases;
}

export function environment(
  name: string,
  overrides: Partial<EnvironmentSpec> = {},
): EnvironmentSpec {
  return {
    name,
    cluster: 'local',
    namespace: name,
    owner: 'group:default/platform',
    description: `the ${name} environment`,
    previewDomain: 'demo.net',
    globalValues: { istio: { gateway: 'gw' }, env: { REGION: 'eu' } },
    config: {
      configMaps: [{ name: 'common', data: { 'app.yaml': 'a: 1' } }],
      secrets: [{ name: 'db', keys: ['password'] }],
    },
    resources: {
      gateways: [{ name: 'gw', hosts: ['*.demo.net'] }],
      certificates: [],
    },
    services: [
      { name: 'web', imageTag: '1.2.3', values: { replicas: 2 } },
      { name: 'api', keyValues: { 'env.LOG_LEVEL': 'debug' }, startupGroup: 2 },
    ],
    ...overrides,
  };
}

export function service(name: string, tag = '1.0.0'): ServiceDefinition {
  return {
    name,
    source: { type: 'git', location: 'file:///repo.git', ref: 'main' },
    chart: { name: 'app', version: '0.1.0', digest: 'sha256:abc' },
    defaultValues: { image: { tag }, resources: { limits: { cpu: '1' } } },
    image: { repository: `registry.local/${name}`, tag },
    startupGroup: 1,
    catalogEntityRef: `component:default/${name}`,
    updatedAt: new Date(0).toISOString(),
  };
}

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export function newOperation(env: string) {
  return {
    environment: env,
    type: 'create' as const,
    actor: 'user:default/alice',
    params: { reason: 'test' },
    steps: [
      { name: 'namespace' },
      { name: 'deploy web', group: 1, service: 'web' },
    ],
  };
}
