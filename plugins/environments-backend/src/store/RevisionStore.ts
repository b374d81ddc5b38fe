import type { Revision } from '@envmesh/plugin-environments-common';
import { NewRevision } from './types';

/**
 * The numbered history of what each service of an environment was deployed with.
 *
 * @internal
 */
export interface RevisionStore {
  /** Records the next revision (1, 2, ...) of a service in an environment. Throws NotFoundError. */
  addRevision(input: NewRevision): Promise<Revision>;

  /** Newest first. */
  listRevisions(environment: string, service?: string): Promise<Revision[]>;

  /** The latest revision number of each service of an environment that has one. */
  latestRevisions(environment: string): Promise<Map<string, number>>;

  getRevision(
    environment: string,
    service: string,
    revision: number,
  ): Promise<Revision | undefined>;
}
