import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { DefaultEnvironmentsService } from './DefaultEnvironmentsService';
import {
  EnvironmentsService,
  environmentsServiceRef,
} from './EnvironmentsService';
import {
  EnvironmentsServiceBridge,
  environmentsServiceBridgeRef,
} from './EnvironmentsServiceBridge';
import { environmentsServiceMock } from './testUtils';

const environment = {
  name: 'demo-dev',
  cluster: 'local',
  namespace: 'demo-dev',
  owner: 'group:default/platform-team',
  componentRefs: [],
  services: { total: 5, ready: 5 },
  sleepState: 'awake' as const,
};
const credentials = mockCredentials.user('user:default/jane');

describe('DefaultEnvironmentsService', () => {
  const http = environmentsServiceMock({
    listEnvironments: async () => [{ ...environment, name: 'over-http' }],
  });

  it('waits for the engine to attach, then calls it in process with the caller', async () => {
    const bridge = new EnvironmentsServiceBridge();
    const service = new DefaultEnvironmentsService({ bridge, http });
    const listEnvironments = jest.fn(async () => [environment]);
    const pending = service.listEnvironments({ credentials });
    bridge.attach(environmentsServiceMock({ listEnvironments }));
    await expect(pending).resolves.toEqual([environment]);
    expect(listEnvironments).toHaveBeenCalledWith({ credentials });
  });

  it('uses the REST API when the backend started without the environments plugin', async () => {
    const bridge = new EnvironmentsServiceBridge();
    const service = new DefaultEnvironmentsService({ bridge, http });
    bridge.started();
    await expect(service.listEnvironments({ credentials })).resolves.toEqual([
      { ...environment, name: 'over-http' },
    ]);
  });

  it("forwards featureNameFromBranch to the engine's push rule", async () => {
    const bridge = new EnvironmentsServiceBridge();
    bridge.attach(
      environmentsServiceMock({
        featureNameFromBranch: async branch =>
          branch === 'feature/checkout' ? 'checkout' : undefined,
      }),
    );
    const service = new DefaultEnvironmentsService({ bridge, http });
    await expect(
      service.featureNameFromBranch('feature/checkout', { credentials }),
    ).resolves.toBe('checkout');
    await expect(
      service.featureNameFromBranch('///', { credentials }),
    ).resolves.toBeUndefined();
  });
});

describe('environmentsServiceRef', () => {
  /** A plugin that attaches an engine to the bridge, as the environments backend plugin does. */
  const engineAttacher = (engine: EnvironmentsService) =>
    createBackendPlugin({
      pluginId: 'environments',
      register(env) {
        env.registerInit({
          deps: { bridge: environmentsServiceBridgeRef },
          async init({ bridge }) {
            bridge.attach(engine);
          },
        });
      },
    });

  /** A plugin that hands out the EnvironmentsService it gets. */
  function consumer() {
    let service: EnvironmentsService | undefined;
    const plugin = createBackendPlugin({
      pluginId: 'consumer',
      register(env) {
        env.registerInit({
          deps: { environments: environmentsServiceRef },
          async init({ environments }) {
            service = environments;
          },
        });
      },
    });
    return { plugin, service: () => service! };
  }

  it('is the in-process engine when the environments plugin runs in the same backend', async () => {
    const { plugin, service } = consumer();
    const backend = await startTestBackend({
      features: [
        plugin,
        engineAttacher(
          environmentsServiceMock({
            listEnvironments: async () => [environment],
          }),
        ),
      ],
    });
    await expect(service().listEnvironments({ credentials })).resolves.toEqual([
      environment,
    ]);
    await backend.stop();
  });
});
