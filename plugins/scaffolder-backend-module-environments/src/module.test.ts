import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { environmentsServiceRef } from '@envmesh/plugin-environments-node';
import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { scaffolderModuleEnvmeshEnvironments } from './module';
import { demoDev, featureBranch } from './actions/__testUtils__/fixtures';

jest.setTimeout(60_000);

/** A template this package ships (templates/), as the catalog stores it and the scaffolder receives it. */
function exampleTemplate(name: string) {
  return yaml.load(
    fs.readFileSync(
      path.resolve(__dirname, `../templates/${name}/template.yaml`),
      'utf8',
    ),
  ) as { metadata: { name: string }; spec: Record<string, unknown> };
}

describe('scaffolderModuleEnvmeshEnvironments', () => {
  async function start(service: ReturnType<typeof environmentsServiceMock>) {
    const bridge = service;
    const { server } = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleEnvmeshEnvironments,
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://portal.example' } },
        }),
        createServiceFactory({
          service: environmentsServiceRef,
          deps: {},
          factory: () => bridge,
        }),
      ],
    });
    return `http://localhost:${server.port()}/api/scaffolder`;
  }

  it('registers the four actions with their schemas and examples', async () => {
    const base = await start(environmentsServiceMock({}));

    const response = await fetch(`${base}/v2/actions`, {
      headers: { Authorization: mockCredentials.user.header() },
    });
    expect(response.status).toBe(200);
    const actions: Array<{
      id: string;
      examples?: unknown[];
      schema?: { input?: any; output?: any };
    }> = await response.json();

    for (const id of [
      'envmesh:environment:create',
      'envmesh:environment:copy',
    ]) {
      const action = actions.find(a => a.id === id);
      expect(action?.examples?.length).toBeGreaterThan(0);
      expect(Object.keys(action?.schema?.output?.properties ?? {})).toEqual([
        'environmentName',
        'operationId',
        'environmentUrl',
      ]);
    }
    // The deploy's pre-flight: the instances a request would not reach.
    const deployOnly: Record<string, object> = {
      'envmesh:feature:deploy': {
        reachability: expect.objectContaining({ type: 'array' }),
      },
    };
    for (const id of ['envmesh:feature:deploy', 'envmesh:feature:delete']) {
      const action = actions.find(a => a.id === id);
      expect(action?.examples?.length).toBeGreaterThan(0);
      expect(action?.schema?.output?.properties).toEqual({
        featureName: expect.objectContaining({ type: 'string' }),
        operationId: expect.objectContaining({ type: 'string' }),
        featureUrl: expect.objectContaining({ type: 'string' }),
        previewUrls: expect.objectContaining({
          type: 'array',
          items: { type: 'string' },
        }),
        ...deployOnly[id],
      });
    }
    const deploy = actions.find(a => a.id === 'envmesh:feature:deploy');
    // The feature name may be left out: it is then derived from the branch.
    expect(deploy?.schema?.input?.required).toEqual([
      'environment',
      'services',
    ]);
    expect(deploy?.schema?.input?.properties.name).toMatchObject({
      // Empty, as a template sends an unfilled field, or a DNS label.
      pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      description: expect.stringContaining('Name of the feature branch'),
    });
    const remove = actions.find(a => a.id === 'envmesh:feature:delete');
    expect(remove?.schema?.input?.required).toEqual(['name']);

    const create = actions.find(a => a.id === 'envmesh:environment:create');
    expect(create?.schema?.input?.required).toEqual([
      'name',
      'cluster',
      'owner',
    ]);
    expect(create?.schema?.input?.properties.waitForReady).toMatchObject({
      type: 'boolean',
      default: true,
    });
  });

  it('runs the "New environment" template in dry-run without creating anything', async () => {
    const listEnvironments = jest.fn(async () => []);
    const base = await start(environmentsServiceMock({ listEnvironments }));

    const response = await fetch(`${base}/v2/dry-run`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.service.header(),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        template: exampleTemplate('new-environment'),
        values: {
          name: 'team-a-dev',
          cluster: 'local',
          owner: 'group:default/team-a',
          services: ['config-service', 'demo-api'],
        },
        directoryContents: [],
      }),
    });
    const result = await response.json();

    expect(response.status).toBe(200);
    expect(listEnvironments).toHaveBeenCalledTimes(1);
    expect(result.output.links).toEqual([
      {
        title: 'Open environment',
        icon: 'dashboard',
        url: 'http://portal.example/environments/team-a-dev',
      },
    ]);
    expect(
      result.log.map(
        (entry: { body: { message: string } }) => entry.body.message,
      ),
    ).toContainEqual(
      expect.stringContaining(
        "dry run: would create environment 'team-a-dev' on cluster 'local' with services: config-service, demo-api",
      ),
    );
  });

  it('runs the "Feature branch" template in dry-run: the base environment picked in the catalog, nothing deployed', async () => {
    const listEnvironments = jest.fn(async () => [demoDev]);
    const listFeatures = jest.fn(async () => [
      featureBranch('other', ['demo-api']),
    ]);
    // deployFeature is not given: calling it fails the run.
    const base = await start(
      environmentsServiceMock({ listEnvironments, listFeatures }),
    );

    const response = await fetch(`${base}/v2/dry-run`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.service.header(),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        template: exampleTemplate('feature-branch'),
        values: {
          environment: 'resource:default/demo-dev',
          branch: 'feature/checkout-redesign',
          name: 'checkout-redesign',
          services: ['demo-api', 'demo-ui'],
          imageTag: 'pr-42',
          ttlHours: 24,
        },
        directoryContents: [],
      }),
    });
    const result = await response.json();

    expect(result.error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(listEnvironments).toHaveBeenCalledTimes(1);
    expect(result.output.links).toEqual([
      {
        title: 'Open feature branch',
        icon: 'dashboard',
        url: 'http://portal.example/feature-branches/checkout-redesign',
      },
    ]);
    expect(
      result.log.map(
        (entry: { body: { message: string } }) => entry.body.message,
      ),
    ).toContainEqual(
      expect.stringContaining(
        "dry run: would create feature branch 'checkout-redesign' of environment 'demo-dev' on cluster 'local' with instances demo-api:pr-42, demo-ui:pr-42, expiring in 24 hours",
      ),
    );
  });

  it('fails the "Feature branch" dry run for a base environment that does not exist', async () => {
    const base = await start(
      environmentsServiceMock({ listEnvironments: async () => [demoDev] }),
    );

    const response = await fetch(`${base}/v2/dry-run`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.service.header(),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        template: exampleTemplate('feature-branch'),
        values: {
          // typed in the entity picker without a kind
          environment: 'demo-qa',
          name: 'checkout-redesign',
          services: ['demo-api'],
          ttlHours: 72,
        },
        directoryContents: [],
      }),
    });
    const result = await response.json();

    // The scaffolder answers a dry run whose action fails with the action's error.
    expect(result.error).toMatchObject({
      message: "there is no environment named 'demo-qa'",
    });
  });
});
