import { NotFoundError } from '@backstage/errors';
import { RevisionStore } from './RevisionStore';
import { describeStore, environment } from '../__testUtils__/stores';

jest.setTimeout(60_000);

describeStore('DatabaseRevisionStore', 'revisions', createStores => {
  it('numbers revisions per service, also under concurrent writers', async () => {
    const { store, other, stores } = await createStores();
    await stores.environments.createEnvironment(environment('rev'));
    const add = (s: RevisionStore, svc: string, tag: string) =>
      s.addRevision({
        environment: 'rev',
        service: svc,
        imageTag: tag,
        values: { image: { tag } },
        manifestHash: `hash-${tag}`,
        actor: 'user:default/bob',
      });

    const first = await add(store, 'web', '1');
    expect(first).toEqual({
      environment: 'rev',
      service: 'web',
      revision: 1,
      imageTag: '1',
      values: { image: { tag: '1' } },
      manifestHash: 'hash-1',
      actor: 'user:default/bob',
      createdAt: expect.any(String),
    });
    expect((await add(store, 'api', 'a')).revision).toBe(1);

    const concurrent = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        add(i % 2 ? other : store, 'web', `c${i}`),
      ),
    );
    expect(concurrent.map(r => r.revision).sort((a, b) => a - b)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);

    const web = await store.listRevisions('rev', 'web');
    expect(web.map(r => r.revision)).toEqual([
      11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
    ]);
    expect(await store.listRevisions('rev')).toHaveLength(12);
    expect(await store.getRevision('rev', 'web', 1)).toEqual(first);
    expect(await store.getRevision('rev', 'web', 99)).toBeUndefined();
    expect(await store.latestRevisions('rev')).toEqual(
      new Map([
        ['api', 1],
        ['web', 11],
      ]),
    );
    expect(await store.latestRevisions('other')).toEqual(new Map());
    await expect(
      store.addRevision({
        environment: 'missing',
        service: 'web',
        values: {},
        manifestHash: 'h',
        actor: 'a',
      }),
    ).rejects.toThrow(NotFoundError);
  });
});
