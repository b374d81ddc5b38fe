import { describeStore, environment } from '../__testUtils__/stores';

jest.setTimeout(60_000);

describeStore('DatabaseInventoryStore', 'inventories', createStores => {
  it('keeps one inventory per release', async () => {
    const { store, stores } = await createStores();
    await stores.environments.createEnvironment(environment('inv'));
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'inv',
      name: 'web',
    };
    const gateway = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      namespace: 'inv',
      name: 'gw',
    };
    const namespace = { apiVersion: 'v1', kind: 'Namespace', name: 'inv' };
    expect(await store.getInventory('inv', 'web')).toBeUndefined();
    await store.setInventory('inv', 'web', [deployment]);
    await store.setInventory('inv', '', [namespace, gateway]);
    await store.setInventory('inv', 'web', []);
    expect(await store.getInventory('inv', 'web')).toEqual([]);
    expect(await store.getInventory('inv', '')).toEqual([namespace, gateway]);
    expect(await store.listInventories('inv')).toEqual([
      {
        environment: 'inv',
        release: '',
        objects: [namespace, gateway],
        updatedAt: expect.any(String),
      },
      {
        environment: 'inv',
        release: 'web',
        objects: [],
        updatedAt: expect.any(String),
      },
    ]);
  });
});
