import { EnvironmentsServiceBridge } from './EnvironmentsService';
import { environmentsServiceMock } from './testUtils';

describe('EnvironmentsServiceBridge', () => {
  const environment = {
    name: 'demo-dev',
    cluster: 'local',
    namespace: 'demo-dev',
    owner: 'group:default/platform-team',
    componentRefs: [],
    services: { total: 5, ready: 5 },
    sleepState: 'awake' as const,
  };

  it('waits for the engine to attach, then forwards calls to it', async () => {
    const bridge = new EnvironmentsServiceBridge();
    const pending = bridge.listEnvironments();
    bridge.attach(
      environmentsServiceMock({ listEnvironments: async () => [environment] }),
    );
    await expect(pending).resolves.toEqual([environment]);
    await expect(bridge.listEnvironments()).resolves.toEqual([environment]);
  });

  it("forwards featureNameFromBranch to the engine's push rule", async () => {
    const bridge = new EnvironmentsServiceBridge();
    bridge.attach(
      environmentsServiceMock({
        featureNameFromBranch: async branch =>
          branch === 'feature/checkout' ? 'checkout' : undefined,
      }),
    );
    await expect(
      bridge.featureNameFromBranch('feature/checkout'),
    ).resolves.toBe('checkout');
    await expect(bridge.featureNameFromBranch('///')).resolves.toBeUndefined();
  });

  it('fails with a clear reason when the engine never attaches', async () => {
    const bridge = new EnvironmentsServiceBridge({ timeoutMs: 50 });
    await expect(bridge.listEnvironments()).rejects.toThrow(
      /environments backend plugin did not start/,
    );
  });
});
