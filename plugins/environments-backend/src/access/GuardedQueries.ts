import { AuditorService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  environmentReadPermission,
  featureReadPermission,
} from '@envmesh/plugin-environments-common';
import type { EnvironmentResource } from '@envmesh/plugin-environments-node';
import type { OperationStore } from '../store';
import { audited, Caller } from './audited';
import { AccessResources, Authorizer } from './authorization';

/**
 * The one way into a read, for every caller (the REST API and the in-process EnvironmentsService of the search
 * collator, the catalog provider and scaffolder actions): each read is authorized with the caller's
 * credentials by the read permission of the environment or feature branch it reads, and recorded as a
 * low-severity auditor event (`environment-read`); lists keep only what the caller may read.
 */
export class GuardedQueries {
  readonly #authorizer: Authorizer;
  readonly #resources: AccessResources;
  readonly #auditor: AuditorService;
  readonly #operations: OperationStore;

  constructor(options: {
    authorizer: Authorizer;
    resources: AccessResources;
    auditor: AuditorService;
    operations: OperationStore;
  }) {
    this.#authorizer = options.authorizer;
    this.#resources = options.resources;
    this.#auditor = options.auditor;
    this.#operations = options.operations;
  }

  /** The environments of a list the caller may read. */
  listEnvironments<T extends EnvironmentResource>(
    caller: Caller,
    list: () => Promise<T[]>,
  ): Promise<T[]> {
    return this.#audited(caller, 'list-environments', {}, async () =>
      this.#authorizer.readableEnvironments(
        caller.credentials,
        environmentReadPermission,
        await list(),
      ),
    );
  }

  /** The feature branches of a list the caller may read. */
  listFeatures<T extends { name: string; environment: string; owner: string }>(
    caller: Caller,
    list: () => Promise<T[]>,
  ): Promise<T[]> {
    return this.#audited(caller, 'list-features', {}, async () =>
      this.#authorizer.readableFeatures(
        caller.credentials,
        featureReadPermission,
        await list(),
      ),
    );
  }

  /** `queryType` of an environment: it, its status, diff, manifests, values, revisions, export... */
  environment<T>(
    caller: Caller,
    name: string,
    queryType: string,
    read: () => Promise<T>,
  ): Promise<T> {
    return this.#audited(caller, queryType, { environment: name }, async () => {
      await this.#authorizer.environment(
        caller.credentials,
        environmentReadPermission,
        name,
      );
      return read();
    });
  }

  /** `queryType` of a feature branch: it, its operations, instance values, reachability... */
  feature<T>(
    caller: Caller,
    name: string,
    queryType: string,
    read: () => Promise<T>,
  ): Promise<T> {
    return this.#audited(caller, queryType, { feature: name }, async () => {
      await this.#authorizer.feature(
        caller.credentials,
        featureReadPermission,
        name,
      );
      return read();
    });
  }

  /**
   * `queryType` of an operation, read by whoever may read what it ran on: its feature branch while that
   * exists, else its environment (also once deleted).
   */
  operation<T>(
    caller: Caller,
    id: string,
    queryType: string,
    read: () => Promise<T>,
  ): Promise<T> {
    return this.#audited(caller, queryType, { operation: id }, async () => {
      const operation = await this.#operations.getOperation(id);
      if (!operation) throw new NotFoundError(`no operation '${id}'`);
      const feature =
        operation.feature && (await this.#resources.feature(operation.feature));
      if (feature) {
        await this.#authorizer.feature(
          caller.credentials,
          featureReadPermission,
          feature,
        );
      } else {
        // A deleted environment's operations stay readable (the delete's own progress): as a nameless owner's.
        const environment = operation.environment;
        await this.#authorizer.environment(
          caller.credentials,
          environmentReadPermission,
          (await this.#resources.environment(environment)) ?? {
            name: environment,
            owner: '',
            cluster: '',
          },
        );
      }
      return read();
    });
  }

  #audited<T>(
    caller: Caller,
    queryType: string,
    target: Record<string, unknown>,
    run: () => Promise<T>,
  ): Promise<T> {
    return audited(
      this.#auditor,
      { eventId: 'environment-read', severityLevel: 'low' },
      caller,
      { queryType, ...target },
      run,
    );
  }
}
