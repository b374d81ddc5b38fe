import { KeyedQueue, staleReason } from './pushOrder';
import { PushEvent } from './types';

const DEPLOYED = {
  repository: 'acme-bank/demo-api',
  branch: 'feature/31337-login',
  sha: 'a'.repeat(40),
  committedAt: '2026-05-04T09:20:01+02:00',
};

/** A push of `sha` made at `timestamp` onto `before`. */
function push(
  sha: string,
  timestamp: string | undefined,
  extra: Partial<PushEvent> = {},
): PushEvent {
  return {
    provider: 'github',
    deliveryId: `delivery-${sha}`,
    repository: { fullName: DEPLOYED.repository, urls: [] },
    branch: DEPLOYED.branch,
    sha,
    before: 'f'.repeat(40),
    deleted: false,
    commits: [{ id: sha, message: 'deploy_feature', author: {}, timestamp }],
    ...extra,
  };
}

describe('staleReason', () => {
  it('refuses a commit older than the deployed one, comparing instants across offsets', () => {
    expect(
      staleReason(push('b'.repeat(40), '2026-05-04T07:15:00Z'), DEPLOYED),
    ).toBe(
      'commit bbbbbbb (2026-05-04T07:15:00Z) is older than the deployed aaaaaaa (2026-05-04T09:20:01+02:00)',
    );
    // 09:15+01:00 reads earlier than 09:20:01+02:00 but is an hour later.
    expect(
      staleReason(push('b'.repeat(40), '2026-05-04T09:15:00+01:00'), DEPLOYED),
    ).toBeUndefined();
  });

  it('answers the deployed commit as already deployed', () => {
    expect(
      staleReason(push(DEPLOYED.sha, DEPLOYED.committedAt), DEPLOYED),
    ).toBe('commit aaaaaaa is already deployed');
  });

  it('lets a push that builds on the deployed commit through whatever its timestamp', () => {
    const rebased = '2026-05-01T00:00:00Z';
    expect(
      staleReason(
        push('b'.repeat(40), rebased, { before: DEPLOYED.sha }),
        DEPLOYED,
      ),
    ).toBeUndefined();
    const onTop = push('b'.repeat(40), rebased);
    onTop.commits.push({ id: DEPLOYED.sha, message: '', author: {} });
    expect(staleReason(onTop, DEPLOYED)).toBeUndefined();
  });

  it('deploys what it cannot compare: another repository or branch, no timestamp, nothing deployed', () => {
    const older = '2026-05-01T00:00:00Z';
    const cases: Array<[PushEvent, typeof DEPLOYED | undefined]> = [
      [
        push('b'.repeat(40), older, {
          repository: { fullName: 'acme-bank/demo-ui', urls: [] },
        }),
        DEPLOYED,
      ],
      [push('b'.repeat(40), older, { branch: 'feature/31337-fix' }), DEPLOYED],
      [push('b'.repeat(40), undefined), DEPLOYED],
      [push('b'.repeat(40), older), { ...DEPLOYED, committedAt: undefined! }],
      [push('b'.repeat(40), older), undefined],
    ];
    for (const [event, deployed] of cases) {
      expect(staleReason(event, deployed)).toBeUndefined();
    }
  });
});

describe('KeyedQueue', () => {
  /** A task that records its start and end and finishes when released. */
  function controlled(log: string[], name: string) {
    let release!: () => void;
    const done = new Promise<void>(resolve => {
      release = resolve;
    });
    const task = async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    };
    return { task, release };
  }

  it('runs tasks of one key one after another and of different keys side by side', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const first = controlled(log, 'first');
    const second = controlled(log, 'second');
    const other = controlled(log, 'other');
    const results = [
      queue.run('feature-1', first.task),
      queue.run('feature-1', second.task),
      queue.run('feature-2', other.task),
    ];
    await new Promise(resolve => setImmediate(resolve));
    expect(log).toEqual(['start first', 'start other']);
    second.release();
    other.release();
    first.release();
    expect(await Promise.all(results)).toEqual(['first', 'second', 'other']);
    expect(log.indexOf('start second')).toBeGreaterThan(
      log.indexOf('end first'),
    );
  });

  it('runs the next task of a key after one that failed', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('feature-1', async () => {
      throw new Error('the deploy failed');
    });
    const next = queue.run('feature-1', async () => 'next');
    await expect(failed).rejects.toThrow('the deploy failed');
    await expect(next).resolves.toBe('next');
  });
});
