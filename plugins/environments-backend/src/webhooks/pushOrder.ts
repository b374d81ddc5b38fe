import type { FeatureSource } from '@envmesh/plugin-environments-common';
import type { PushEvent } from './types';

/** When the pushed commit was made, if the payload lists it with a timestamp. */
export function pushedCommitTime(event: PushEvent): string | undefined {
  return event.commits.find(commit => commit.id === event.sha)?.timestamp;
}

function describeCommit(sha: string, committedAt: string | undefined) {
  const short = sha.slice(0, 7);
  return committedAt ? `${short} (${committedAt})` : short;
}

/**
 * Why a push must not deploy over what its feature branch runs (`deployed`, the stored source), or undefined
 * when it may: its commit is already deployed, or it is older than the deployed one.
 *
 * Only a push of the deployed repository and branch is compared. A push building on the deployed commit (its
 * `before` or one of its commits) is newer whatever the clocks say; otherwise the commit timestamps decide,
 * and without both timestamps the push deploys, as every push did before.
 */
export function staleReason(
  event: PushEvent,
  deployed: FeatureSource | undefined,
): string | undefined {
  if (
    !deployed?.sha ||
    deployed.repository !== event.repository.fullName ||
    deployed.branch !== event.branch
  ) {
    return undefined;
  }
  if (deployed.sha === event.sha) {
    return `commit ${describeCommit(event.sha, undefined)} is already deployed`;
  }
  if (
    event.before === deployed.sha ||
    event.commits.some(commit => commit.id === deployed.sha)
  ) {
    return undefined;
  }
  const pushedAt = pushedCommitTime(event);
  if (
    pushedAt &&
    deployed.committedAt &&
    Date.parse(pushedAt) < Date.parse(deployed.committedAt)
  ) {
    return `commit ${describeCommit(
      event.sha,
      pushedAt,
    )} is older than the deployed ${describeCommit(
      deployed.sha,
      deployed.committedAt,
    )}`;
  }
  return undefined;
}

/**
 * Runs tasks with the same key one after another, in the order they were queued, within this process; tasks
 * with different keys run side by side. A task's failure does not hold up the next.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    // The last task of a key removes the key, so idle keys do not pile up.
    tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
