import { describeStore, service } from '../__testUtils__/stores';

jest.setTimeout(60_000);

describeStore('DatabaseServiceRegistryStore', 'registry', createStores => {
  it('stores charts once and services in bulk', async () => {
    const { store } = await createStores();
    const archive = Buffer.from([0, 1, 2, 255, 254]);
    const chart = { digest: 'sha256:abc', name: 'app', version: '0.1.0' };
    await store.putChart({ ...chart, archive });
    await store.putChart({ ...chart, archive: Buffer.from('ignored') });
    expect(await store.getChartArchive('sha256:abc')).toEqual(archive);
    expect(await store.getChartArchive('sha256:nope')).toBeUndefined();

    const names = Array.from({ length: 250 }, (_, i) => `svc-${1000 + i}`);
    await store.upsertServices(names.map(n => service(n)));
    await store.upsertServices([service('svc-1001', '2.0.0')]);

    const listed = await store.listServices();
    expect(listed.map(s => s.name)).toEqual(names);
    const { updatedAt, ...changed } = (await store.getService('svc-1001'))!;
    const { updatedAt: _, ...expected } = service('svc-1001', '2.0.0');
    expect(changed).toEqual(expected);
    expect(Date.parse(updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(await store.getService('missing')).toBeUndefined();
  });
});
