import type { LifecycleSettings } from '@envmesh/plugin-environments-common';

/** An upcoming automatic action a notice was sent about: `environment:<name>` or `feature:<name>`. */
export interface LifecycleNoticeKey {
  target: string;
  action: 'sleep' | 'delete';
  dueAt: Date;
}

/**
 * What the lifecycle task keeps beside the environments and feature branches: their settings, the wake-until
 * override, their last activity, and the notices of upcoming sleeps and deletions already sent.
 *
 * @internal
 */
export interface LifecycleStore {
  /** Sets the settings and the wake-until override given (null clears it); others stay. Throws NotFoundError. */
  updateLifecycle(
    environment: string,
    patch: { settings?: LifecycleSettings; wakeUntil?: Date | null },
  ): Promise<void>;

  /** Records activity of an environment, or of a feature branch and so of its environment too. */
  recordActivity(
    target: { environment?: string; feature?: string },
    at: Date,
  ): Promise<void>;

  /** Every feature branch's last activity (its creation, before any), by name. */
  listFeatureActivity(): Promise<Map<string, Date>>;

  /** When the notice of an action was sent, if it was. */
  noticeSentAt(notice: LifecycleNoticeKey): Promise<Date | undefined>;

  /** Records that the notice of an action was sent. */
  recordNotice(notice: LifecycleNoticeKey, sentAt: Date): Promise<void>;

  /** Forgets the notices of actions due before `before`. */
  pruneNotices(before: Date): Promise<number>;
}
