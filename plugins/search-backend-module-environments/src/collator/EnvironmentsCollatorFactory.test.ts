import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { mockServices } from '@backstage/backend-test-utils';
import { TestPipeline } from '@backstage/plugin-search-backend-node';
import {
  EnvironmentSpec,
  EnvironmentSummary,
} from '@envmesh/plugin-environments-common';
import { EnvironmentsCollatorFactory } from './EnvironmentsCollatorFactory';

const environments: EnvironmentSummary[] = [
  {
    name: 'demo-dev',
    cluster: 'local',
    namespace: 'demo-dev',
    owner: 'group:default/platform-team',
    description: 'Shared development environment',
    componentRefs: ['component:default/demo-api', 'component:default/demo-web'],
    services: { total: 5, ready: 4 },
    sleepState: 'awake' as const,
  },
  {
    name: 'demo-test',
    cluster: 'staging',
    namespace: 'demo-test-ns',
    owner: 'group:default/qa',
    componentRefs: [],
    services: { total: 0, ready: 0 },
    sleepState: 'awake' as const,
  },
];

/** demo-dev's desired state: its services, and a Secret (by key names) and values nothing may index. */
const demoDevSpec: EnvironmentSpec = {
  name: 'demo-dev',
  cluster: 'local',
  namespace: 'demo-dev',
  owner: 'group:default/platform-team',
  globalValues: { env: { API_TOKEN: 'tok-5a4b3c' } },
  config: {
    configMaps: [],
    secrets: [{ name: 'demo-db-credentials', keys: ['password'] }],
  },
  resources: { gateways: [], certificates: [] },
  services: [
    { name: 'config-service' },
    { name: 'demo-api', imageTag: '1.4.2', values: { token: 's3cr3t' } },
  ],
};

function createFactory(
  list: EnvironmentSummary[],
  getEnvironment = async (name: string): Promise<EnvironmentSpec> => {
    if (name === 'demo-dev') return demoDevSpec;
    throw Object.assign(new Error(`no environment ${name}`), {
      name: 'NotFoundError',
    });
  },
) {
  const bridge = environmentsServiceMock({
    listEnvironments: async () => list,
    getEnvironment,
  });
  const logger = mockServices.logger.mock();
  return {
    logger,
    factory: EnvironmentsCollatorFactory.create({
      auth: mockServices.auth(),
      logger,
      environments: bridge,
    }),
  };
}

describe('EnvironmentsCollatorFactory', () => {
  it('has the document type environment', () => {
    expect(createFactory([]).factory.type).toBe('environment');
  });

  it('yields one document per environment, with the names of its services; one gone meanwhile has none', async () => {
    const { factory, logger } = createFactory(environments);
    const collator = await factory.getCollator();
    const { error, documents } = await TestPipeline.fromCollator(
      collator,
    ).execute();

    expect(error).toBeUndefined();
    expect(documents).toEqual([
      {
        title: 'demo-dev',
        text: [
          'Shared development environment',
          'Owner: group:default/platform-team',
          'Cluster: local, namespace: demo-dev',
          'Services: config-service, demo-api',
          'Components: component:default/demo-api, component:default/demo-web',
        ].join('\n'),
        location: '/environments/demo-dev',
        kind: 'environment',
        cluster: 'local',
        namespace: 'demo-dev',
        owner: 'group:default/platform-team',
        services: ['config-service', 'demo-api'],
      },
      {
        title: 'demo-test',
        text: [
          'Owner: group:default/qa',
          'Cluster: staging, namespace: demo-test-ns',
        ].join('\n'),
        location: '/environments/demo-test',
        kind: 'environment',
        cluster: 'staging',
        namespace: 'demo-test-ns',
        owner: 'group:default/qa',
        services: [],
      },
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Indexing environment demo-test without its services: NotFoundError/,
      ),
    );
  });

  it('indexes only the named fields of a summary, never anything else it carries', async () => {
    const leaky = {
      ...environments[0],
      secrets: { DB_PASSWORD: 'hunter2' },
      globalValues: { token: 's3cr3t' },
    } as EnvironmentSummary;
    // The desired state carries values and, in a careless engine, secret values: only service names are taken.
    const leakySpec = {
      ...demoDevSpec,
      config: {
        ...demoDevSpec.config,
        secrets: [
          { name: 'db', keys: ['password'], values: { password: 'pw-77aa' } },
        ],
      },
    } as unknown as EnvironmentSpec;
    const collator = await createFactory(
      [leaky],
      async () => leakySpec,
    ).factory.getCollator();
    const { documents } = await TestPipeline.fromCollator(collator).execute();

    expect(documents).toHaveLength(1);
    expect(Object.keys(documents[0]).sort()).toEqual([
      'cluster',
      'kind',
      'location',
      'namespace',
      'owner',
      'services',
      'text',
      'title',
    ]);
    expect(JSON.stringify(documents)).not.toMatch(
      /hunter2|s3cr3t|secrets|tok-5a4b3c|API_TOKEN|pw-77aa|1\.4\.2/,
    );
  });

  it('fails the collation when the engine fails, so the index keeps its previous documents', async () => {
    const bridge = environmentsServiceMock({
      listEnvironments: async () => {
        throw new Error('store unavailable');
      },
    });
    const factory = EnvironmentsCollatorFactory.create({
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      environments: bridge,
    });
    const { error } = await TestPipeline.fromCollator(
      await factory.getCollator(),
    ).execute();

    expect(error).toEqual(new Error('store unavailable'));
  });
});
