import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import type { EnvironmentsService } from '@envmesh/plugin-environments-node';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { TestPipeline } from '@backstage/plugin-search-backend-node';
import {
  EnvironmentSummary,
  FeatureBranchDetails,
} from '@envmesh/plugin-environments-common';
import { FeatureBranchesCollatorFactory } from './FeatureBranchesCollatorFactory';

const at = '2026-01-01T00:00:00.000Z';

const features: FeatureBranchDetails[] = [
  {
    name: 'checkout-redesign',
    environment: 'demo-dev',
    owner: 'group:default/team-a',
    description: 'New checkout flow',
    source: { repository: 'acme/demo-ui', branch: 'feature/checkout-redesign' },
    expiresAt: '2026-01-04T00:00:00.000Z',
    instances: [
      {
        service: 'demo-api',
        imageTag: 'pr-42',
        values: { env: { API_TOKEN: 'tok-9f8e7d' } },
        state: 'ready',
        updatedAt: at,
      },
      { service: 'demo-ui', state: 'deploying', updatedAt: at },
    ],
    previewUrls: ['https://checkout-redesign.demo.net'],
    behindBase: [],
    routingHeader: 'X-FEATURE-NAME',
    routing: [
      { service: 'demo-api', target: 'feature' },
      { service: 'demo-orders', target: 'default' },
    ],
    createdAt: at,
    updatedAt: at,
  },
  {
    name: 'hotfix-1',
    environment: 'demo-test',
    owner: 'user:default/jane',
    instances: [],
    previewUrls: [],
    behindBase: [],
    routingHeader: 'X-FEATURE-NAME',
    routing: [],
    createdAt: at,
    updatedAt: at,
  },
];

/** demo-dev is the base of checkout-redesign; hotfix-1's base, demo-test, is gone. */
const demoDev: EnvironmentSummary = {
  name: 'demo-dev',
  cluster: 'local',
  namespace: 'demo-dev-ns',
  owner: 'group:default/platform-team',
  componentRefs: [],
  services: { total: 5, ready: 5 },
  sleepState: 'awake',
};

function createFactory(list: EnvironmentsService['listFeatures']) {
  const bridge = environmentsServiceMock({
    listFeatures: list,
    listEnvironments: async () => [demoDev],
  });
  return FeatureBranchesCollatorFactory.create({
    auth: mockServices.auth(),
    logger: mockServices.logger.mock(),
    environments: bridge,
  });
}

describe('FeatureBranchesCollatorFactory', () => {
  it('has the document type feature-branch', () => {
    expect(createFactory(async () => []).type).toBe('feature-branch');
  });

  it("yields one document per feature branch, with its base environment's cluster and namespace", async () => {
    const listFeatures = jest.fn(
      async (_options: { environment?: string }) => features,
    );
    const collator = await createFactory(listFeatures).getCollator();
    const { error, documents } = await TestPipeline.fromCollator(
      collator,
    ).execute();

    expect(error).toBeUndefined();
    // Every feature branch, of all environments, read as the collator's own service.
    expect(listFeatures).toHaveBeenCalledTimes(1);
    expect(listFeatures.mock.calls[0]).toEqual([
      { credentials: mockCredentials.service('plugin:test') },
    ]);
    expect(documents).toEqual([
      {
        title: 'checkout-redesign',
        text: [
          'New checkout flow',
          'Feature branch of environment demo-dev',
          'Cluster: local, namespace: demo-dev-ns',
          'Owner: group:default/team-a',
          'Services: demo-api (pr-42, ready), demo-ui (deploying)',
          'Branch: feature/checkout-redesign of acme/demo-ui',
          'Preview: https://checkout-redesign.demo.net',
          'Expires: 2026-01-04T00:00:00.000Z',
        ].join('\n'),
        location: '/feature-branches/checkout-redesign',
        kind: 'feature-branch',
        environment: 'demo-dev',
        cluster: 'local',
        namespace: 'demo-dev-ns',
        owner: 'group:default/team-a',
        services: ['demo-api', 'demo-ui'],
        previewUrls: ['https://checkout-redesign.demo.net'],
      },
      {
        title: 'hotfix-1',
        text: [
          'Feature branch of environment demo-test',
          'Owner: user:default/jane',
        ].join('\n'),
        location: '/feature-branches/hotfix-1',
        kind: 'feature-branch',
        environment: 'demo-test',
        owner: 'user:default/jane',
        services: [],
        previewUrls: [],
      },
    ]);
  });

  it('indexes only the named fields, never instance values or anything else a feature branch carries', async () => {
    const leaky = {
      ...features[0],
      secrets: { DB_PASSWORD: 'hunter2' },
      instances: [
        { ...features[0].instances[0], token: 's3cr3t' },
        ...features[0].instances.slice(1),
      ],
    } as FeatureBranchDetails;
    const collator = await createFactory(async () => [leaky]).getCollator();
    const { documents } = await TestPipeline.fromCollator(collator).execute();

    expect(documents).toHaveLength(1);
    expect(Object.keys(documents[0]).sort()).toEqual([
      'cluster',
      'environment',
      'kind',
      'location',
      'namespace',
      'owner',
      'previewUrls',
      'services',
      'text',
      'title',
    ]);
    expect(JSON.stringify(documents)).not.toMatch(
      /tok-9f8e7d|API_TOKEN|hunter2|s3cr3t|secrets|values/,
    );
  });

  it('fails the collation when the engine fails, so the index keeps its previous documents', async () => {
    const collator = await createFactory(async () => {
      throw new Error('store unavailable');
    }).getCollator();
    const { error } = await TestPipeline.fromCollator(collator).execute();

    expect(error).toEqual(new Error('store unavailable'));
  });
});
