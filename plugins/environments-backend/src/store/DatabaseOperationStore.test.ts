import { ConflictError, NotFoundError } from '@backstage/errors';
import { OperationStore } from './OperationStore';
import { describeStore, newOperation, sleep } from '../__testUtils__/stores';

jest.setTimeout(60_000);

describeStore('DatabaseOperationStore', 'operations', createStores => {
  it('allows one active operation per environment, also under concurrency', async () => {
    const { store, other } = await createStores();
    const op = await store.createOperation(newOperation('env-a'));
    expect(op).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      environment: 'env-a',
      type: 'create',
      state: 'pending',
      actor: 'user:default/alice',
      params: { reason: 'test' },
      createdAt: expect.any(String),
      cancelRequested: false,
      steps: [
        { index: 0, name: 'namespace', state: 'pending' },
        {
          index: 1,
          name: 'deploy web',
          group: 1,
          service: 'web',
          state: 'pending',
        },
      ],
    });
    expect(await store.getOperation(op.id)).toEqual(op);
    await expect(store.createOperation(newOperation('env-a'))).rejects.toThrow(
      new ConflictError(
        `environment 'env-a' has operation ${op.id} (create) in progress`,
      ),
    );

    const racers = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? other : store).createOperation(newOperation('env-b')),
      ),
    );
    const won = racers.filter(r => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of racers.filter(x => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    }
    expect(await store.listOperations({ environment: 'env-b' })).toHaveLength(
      1,
    );

    // Once it ends, the environment takes the next one.
    await store.finishOperation(op.id, 'failed', 'boom');
    await sleep(5);
    const next = await store.createOperation({
      ...newOperation('env-a'),
      type: 'update',
    });
    expect(await store.getOperation(op.id)).toMatchObject({
      state: 'failed',
      error: 'boom',
      finishedAt: expect.any(String),
    });
    const listed = await store.listOperations({ environment: 'env-a' });
    expect(listed.map(o => o.id)).toEqual([next.id, op.id]);
    expect(listed[1].steps).toHaveLength(2);
    expect(
      await store.listOperations({ limit: 1, environment: 'env-a' }),
    ).toEqual([next]);
    expect(await store.listOperations()).toHaveLength(3);
    expect(
      await store.getOperation('00000000-0000-0000-0000-000000000000'),
    ).toBeUndefined();
  });

  it('gives each pending operation to exactly one of two workers', async () => {
    const { store, other } = await createStores();
    const created = [];
    for (let i = 0; i < 6; i++) {
      created.push(await store.createOperation(newOperation(`claim-${i}`)));
    }
    const claimAll = async (s: OperationStore, worker: string) => {
      const ids: string[] = [];
      for (;;) {
        const op = await s.claimOperation(worker, 60_000);
        if (!op) return ids;
        expect(op).toMatchObject({
          state: 'running',
          claimedBy: worker,
          params: { reason: 'test' },
          startedAt: expect.any(String),
          leaseUntil: expect.any(String),
        });
        ids.push(op.id);
      }
    };
    const [a, b] = await Promise.all([
      claimAll(store, 'worker-a'),
      claimAll(other, 'worker-b'),
    ]);
    expect([...a, ...b].sort()).toEqual(created.map(o => o.id).sort());
    expect(await store.claimOperation('worker-c', 60_000)).toBeUndefined();

    // Head to head: both ask at the same moment for the one claimable operation.
    for (let round = 0; round < 10; round++) {
      const op = await store.createOperation(newOperation(`duel-${round}`));
      const [x, y] = await Promise.all([
        store.claimOperation('worker-a', 60_000),
        other.claimOperation('worker-b', 60_000),
      ]);
      expect([x?.id, y?.id].filter(Boolean)).toEqual([op.id]);
    }
  });

  it('lets another worker claim an operation whose lease expired', async () => {
    const { store, other } = await createStores();
    const op = await store.createOperation(newOperation('lease'));
    const claimed = await store.claimOperation('worker-a', 1000);
    expect(claimed?.id).toBe(op.id);
    expect(await other.claimOperation('worker-b', 60_000)).toBeUndefined();
    expect(await store.renewLease(op.id, 'worker-a', 1000)).toBe(true);
    expect(await other.renewLease(op.id, 'worker-b', 1000)).toBe(false);

    await sleep(1200); // worker-a "died": no renewal
    const taken = await other.claimOperation('worker-b', 60_000);
    expect(taken).toMatchObject({
      id: op.id,
      state: 'running',
      claimedBy: 'worker-b',
      startedAt: claimed!.startedAt, // resumed, not restarted
    });
    expect(await store.renewLease(op.id, 'worker-a', 1000)).toBe(false);
    expect(await other.renewLease(op.id, 'worker-b', 60_000)).toBe(true);

    await other.finishOperation(op.id, 'succeeded');
    expect(await other.renewLease(op.id, 'worker-b', 60_000)).toBe(false);
    expect(await store.claimOperation('worker-a', 1000)).toBeUndefined();
  });

  it('records step progress', async () => {
    const { store } = await createStores();
    const op = await store.createOperation(newOperation('steps'));
    await store.updateStep(op.id, 1, { state: 'running' });
    let step = (await store.getOperation(op.id))!.steps[1];
    expect(step).toEqual({
      index: 1,
      name: 'deploy web',
      group: 1,
      service: 'web',
      state: 'running',
      startedAt: expect.any(String),
    });
    await store.updateStep(op.id, 1, {
      state: 'failed',
      message: 'no node fits',
    });
    step = (await store.getOperation(op.id))!.steps[1];
    expect(step).toMatchObject({ state: 'failed', message: 'no node fits' });
    expect(Date.parse(step.finishedAt!)).toBeGreaterThanOrEqual(
      Date.parse(step.startedAt!),
    );
    await store.updateStep(op.id, 0, {
      state: 'succeeded',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.500Z',
    });
    expect((await store.getOperation(op.id))!.steps[0]).toMatchObject({
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.500Z',
    });
    await expect(
      store.updateStep(op.id, 7, { state: 'running' }),
    ).rejects.toThrow(NotFoundError);
  });

  it('keeps log lines in order and follows them by sequence number', async () => {
    const { store, other } = await createStores();
    const op = await store.createOperation(newOperation('logs'));
    const lines = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.appendLog(op.id, i % 3 ? 'info' : 'warn', `line ${i}`),
      ),
    );
    expect(lines.map(l => l.seq)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    const all = await store.listLogs(op.id);
    expect(all.map(l => l.message)).toEqual(lines.map(l => l.message));
    expect(all[0]).toEqual({
      seq: 1,
      ts: lines[0].ts,
      level: 'warn',
      message: 'line 0',
    });
    expect(
      (await store.listLogs(op.id, { afterSeq: 28 })).map(l => l.message),
    ).toEqual(['line 28', 'line 29']);

    // Two replicas writing at once still get distinct, gap-free numbers.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? other : store).appendLog(op.id, 'info', `more ${i}`),
      ),
    );
    const seqs = (await other.listLogs(op.id)).map(l => l.seq);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(
      await store.listLogs('00000000-0000-0000-0000-000000000000'),
    ).toEqual([]);
  });

  it('flags cancellation of active operations only', async () => {
    const { store, other } = await createStores();
    const op = await store.createOperation(newOperation('cancel'));
    expect(await other.isCancelRequested(op.id)).toBe(false);
    expect(await store.requestCancel(op.id)).toBe(true);
    expect(await other.isCancelRequested(op.id)).toBe(true);
    expect((await other.claimOperation('w', 1000))?.cancelRequested).toBe(true);
    await other.finishOperation(op.id, 'cancelled');
    expect(await store.requestCancel(op.id)).toBe(false);
    expect(await store.getOperation(op.id)).toMatchObject({
      state: 'cancelled',
    });
  });
});
