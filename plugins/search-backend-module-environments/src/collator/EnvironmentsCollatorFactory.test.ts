import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { mockServices } from '@backstage/backend-test-utils';
import { TestPipeline } from '@backstage/plugin-search-backend-node';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { EnvironmentsServiceBridge } from '@envmesh/plugin-environments-node';
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

function createFactory(list: EnvironmentSummary[]) {
  const bridge = new EnvironmentsServiceBridge();
  bridge.attach(
    environmentsServiceMock({ listEnvironments: async () => list }),
  );
  return EnvironmentsCollatorFactory.create({
    logger: mockServices.logger.mock(),
    environments: bridge,
  });
}

describe('EnvironmentsCollatorFactory', () => {
  it('has the document type environment', () => {
    expect(createFactory([]).type).toBe('environment');
  });

  it('yields one document per environment', async () => {
    const collator = await createFactory(environments).getCollator();
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
          'Components: component:default/demo-api, component:default/demo-web',
        ].join('\n'),
        location: '/environments/demo-dev',
        kind: 'environment',
        cluster: 'local',
        namespace: 'demo-dev',
        owner: 'group:default/platform-team',
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
      },
    ]);
  });

  it('indexes only the named fields of a summary, never anything else it carries', async () => {
    const leaky = {
      ...environments[1],
      secrets: { DB_PASSWORD: 'hunter2' },
      globalValues: { token: 's3cr3t' },
    } as EnvironmentSummary;
    const collator = await createFactory([leaky]).getCollator();
    const { documents } = await TestPipeline.fromCollator(collator).execute();

    expect(documents).toHaveLength(1);
    expect(Object.keys(documents[0]).sort()).toEqual([
      'cluster',
      'kind',
      'location',
      'namespace',
      'owner',
      'text',
      'title',
    ]);
    expect(JSON.stringify(documents)).not.toMatch(/hunter2|s3cr3t|secrets/);
  });

  it('fails the collation when the engine fails, so the index keeps its previous documents', async () => {
    const bridge = new EnvironmentsServiceBridge();
    bridge.attach(
      environmentsServiceMock({
        listEnvironments: async () => {
          throw new Error('store unavailable');
        },
      }),
    );
    const factory = EnvironmentsCollatorFactory.create({
      logger: mockServices.logger.mock(),
      environments: bridge,
    });
    const { error } = await TestPipeline.fromCollator(
      await factory.getCollator(),
    ).execute();

    expect(error).toEqual(new Error('store unavailable'));
  });
});
