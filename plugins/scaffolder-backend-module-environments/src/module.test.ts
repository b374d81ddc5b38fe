import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import {
  environmentsServiceRef,
  EnvironmentsServiceBridge,
} from '@envmesh/plugin-environments-node';
import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { scaffolderModuleEnvmeshEnvironments } from './module';

jest.setTimeout(60_000);

/** The "New environment" template of examples/templates, as the scaffolder receives it. */
const newEnvironmentTemplate = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'envmesh-new-environment', title: 'New environment' },
  spec: {
    owner: 'group:default/platform-team',
    type: 'environment',
    parameters: [
      {
        required: ['name', 'cluster', 'owner'],
        properties: {
          name: { type: 'string' },
          cluster: { type: 'string', default: 'local' },
          owner: { type: 'string' },
        },
      },
      {
        properties: {
          services: { type: 'array', items: { type: 'string' } },
          copyFrom: { type: 'string' },
        },
      },
    ],
    steps: [
      {
        id: 'create-environment',
        name: 'Create environment',
        action: 'envmesh:environment:create',
        input: {
          name: '${{ parameters.name }}',
          cluster: '${{ parameters.cluster }}',
          owner: '${{ parameters.owner }}',
          services: '${{ parameters.services }}',
          copyFrom: '${{ parameters.copyFrom }}',
        },
      },
    ],
    output: {
      links: [
        {
          title: 'Open environment',
          url: "${{ steps['create-environment'].output.environmentUrl }}",
        },
      ],
    },
  },
};

describe('scaffolderModuleEnvmeshEnvironments', () => {
  async function start(service: ReturnType<typeof environmentsServiceMock>) {
    const bridge = new EnvironmentsServiceBridge();
    bridge.attach(service);
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

  it('registers both actions with their schemas and examples', async () => {
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
        template: newEnvironmentTemplate,
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
    expect(result.output).toEqual({
      links: [
        {
          title: 'Open environment',
          url: 'http://portal.example/environments/team-a-dev',
        },
      ],
    });
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
});
