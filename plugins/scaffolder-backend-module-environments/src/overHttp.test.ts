/*
 * The EnvironmentsService of environmentsServiceRef in a backend without the environments plugin: it calls the
 * REST API of the real envmesh backend of another deployment (found by discovery), with tokens on behalf of
 * the caller, and reads the answers through the client generated from openapi.yaml.
 */
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { RealEngine, startRealEngine } from '@envmesh/engine-test-utils';
import {
  EnvironmentsService,
  environmentsServiceRef,
} from '@envmesh/plugin-environments-node';

jest.setTimeout(300_000);

describe('environmentsServiceRef without the environments plugin in the backend', () => {
  let engine: RealEngine;
  let environments: EnvironmentsService;
  let stop: () => Promise<void>;
  const credentials = mockCredentials.user('user:default/jane');

  beforeAll(async () => {
    engine = await startRealEngine({ features: [] });
    const consumer = createBackendPlugin({
      pluginId: 'consumer',
      register(env) {
        env.registerInit({
          deps: { service: environmentsServiceRef },
          async init({ service }) {
            environments = service;
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        consumer,
        createServiceFactory({
          service: coreServices.discovery,
          deps: {},
          factory: () => ({
            getBaseUrl: async (pluginId: string) =>
              `${engine.baseUrl}/api/${pluginId}`,
            getExternalBaseUrl: async (pluginId: string) =>
              `${engine.baseUrl}/api/${pluginId}`,
          }),
        }),
      ],
    });
    stop = () => backend.stop();
  }, 300_000);

  afterAll(async () => {
    await stop?.();
    await engine?.stop();
  });

  it('reads environments and operations over the REST API', async () => {
    const list = await environments.listEnvironments({ credentials });
    expect(list.map(e => e.name)).toContain('demo-dev');
    const demoDev = await environments.getEnvironment('demo-dev', {
      credentials,
    });
    expect(demoDev.namespace).toBe(engine.namespace);
    await expect(
      environments.getOperation('no-such-operation', { credentials }),
    ).rejects.toMatchObject({ name: 'ResponseError', statusCode: 404 });
  });

  it("names a branch's feature by the engine's push rule", async () => {
    await expect(
      environments.featureNameFromBranch('feature/Checkout_Redesign', {
        credentials,
      }),
    ).resolves.toBe('checkout-redesign');
    await expect(
      environments.featureNameFromBranch('///', { credentials }),
    ).resolves.toBeUndefined();
  });

  it("answers the engine's 400, naming the field, for a bad body", async () => {
    await expect(
      environments.createEnvironment(
        { name: 'Bad_Name', cluster: 'local', owner: 'group:default/a' },
        { credentials },
      ),
    ).rejects.toMatchObject({
      statusCode: 400,
      body: { error: { message: expect.stringMatching(/^name: /) } },
    });
  });
});
