import type {
  EnvironmentSpec,
  SleepReason,
} from '@envmesh/plugin-environments-common';
import { StoredEnvironment } from './types';

/**
 * Environments' desired state. The database keeps an environment's name, and its cluster and namespace,
 * unique, for concurrent requests and backend replicas too.
 *
 * @internal
 */
export interface EnvironmentStore {
  /** Throws ConflictError if the name is taken or another environment uses the same cluster and namespace. */
  createEnvironment(spec: EnvironmentSpec): Promise<StoredEnvironment>;

  /** Replaces an environment's desired state. Throws NotFoundError, or ConflictError for a taken namespace. */
  updateEnvironment(spec: EnvironmentSpec): Promise<StoredEnvironment>;

  /**
   * Marks an environment asleep since `since` for a reason (`manual` by default), or awake from now without
   * it (with no wake-until override). Throws NotFoundError.
   */
  setAsleep(name: string, since?: Date, reason?: SleepReason): Promise<void>;

  getEnvironment(name: string): Promise<StoredEnvironment | undefined>;

  listEnvironments(): Promise<StoredEnvironment[]>;

  /**
   * Deletes an environment with everything recorded for it (services, inventories, revisions, feature
   * branches), in one transaction; its operations stay as history. Returns false if there was no such
   * environment.
   */
  deleteEnvironment(name: string): Promise<boolean>;
}
