import {
  AuthService,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  parseEntityRef,
  ResourceEntityV1alpha1,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config, readDurationFromConfig } from '@backstage/config';
import { createHash } from 'node:crypto';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  EnvironmentSummary,
  validateDnsLabel,
} from '@envmesh/plugin-environments-common';
import { EventsService } from '@backstage/plugin-events-node';
import {
  ENVIRONMENTS_OPERATIONS_TOPIC,
  EnvironmentsOperationEvent,
  EnvironmentsService,
  readScheduleFromConfig,
} from '@envmesh/plugin-environments-node';

/** Annotation with the name of the cluster an environment runs in. @public */
export const ANNOTATION_ENVMESH_CLUSTER = 'envmesh.io/cluster';
/** Annotation with the Kubernetes namespace of an environment. @public */
export const ANNOTATION_ENVMESH_NAMESPACE = 'envmesh.io/namespace';

const PROVIDER_NAME = 'envmesh-environments';
const CONFIG_KEY = 'catalog.providers.envmesh';

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 5 },
  timeout: { minutes: 3 },
};

const DEFAULT_CHANGE_CHECK_INTERVAL: ReturnType<typeof readDurationFromConfig> =
  { seconds: 10 };

/**
 * Options of {@link EnvironmentsEntityProvider}.
 *
 * @public
 */
export type EnvironmentsEntityProviderOptions = {
  logger: LoggerService;
  /** Gives the provider's own service credentials, with which it reads the engine. */
  auth: AuthService;
  /** The environments engine, from `environmentsServiceRef`. */
  environments: EnvironmentsService;
  /** Runs the scheduled refresh; without one the provider only refreshes when {@link EnvironmentsEntityProvider.refresh} is called. */
  taskRunner?: SchedulerServiceTaskRunner;
  /**
   * Runs the frequent change check ({@link EnvironmentsEntityProvider.refreshIfChanged}); without one changes
   * only reach the catalog on the scheduled refresh.
   */
  changeCheckRunner?: SchedulerServiceTaskRunner;
  /** Entity ref of the system the environment resources belong to. */
  system?: string;
  /**
   * Backstage's events service: an operation that ended (announced on `envmesh.operations`) triggers a
   * change check at once; the scheduled checks remain the fallback.
   */
  events?: EventsService;
};

/**
 * Provides every envmesh environment as a catalog `Resource` entity of `spec.type: environment`, which is
 * a dependency of the components that run in it.
 *
 * Besides the full refresh on a schedule, it checks every few seconds whether the environments changed (a
 * fingerprint of the fields its entities are made of) and replaces its entities only when they did, so a new,
 * changed or deleted environment reaches the catalog within seconds.
 *
 * @public
 */
export class EnvironmentsEntityProvider implements EntityProvider {
  /**
   * Creates the provider from `catalog.providers.envmesh` (`schedule`, `changeCheckInterval`, `system`).
   */
  static fromConfig(
    config: Config,
    options: {
      logger: LoggerService;
      auth: AuthService;
      scheduler: SchedulerService;
      environments: EnvironmentsService;
      events?: EventsService;
    },
  ): EnvironmentsEntityProvider {
    const providerConfig = config.getOptionalConfig(CONFIG_KEY);
    const schedule = readScheduleFromConfig(
      config,
      `${CONFIG_KEY}.schedule`,
      DEFAULT_SCHEDULE,
    );
    let changeCheckInterval = DEFAULT_CHANGE_CHECK_INTERVAL;
    if (providerConfig?.has('changeCheckInterval')) {
      try {
        changeCheckInterval = readDurationFromConfig(providerConfig, {
          key: 'changeCheckInterval',
        });
      } catch (error) {
        throw new Error(
          `Invalid duration at ${CONFIG_KEY}.changeCheckInterval, ${error}`,
        );
      }
    }
    return new EnvironmentsEntityProvider({
      logger: options.logger,
      auth: options.auth,
      environments: options.environments,
      taskRunner: options.scheduler.createScheduledTaskRunner(schedule),
      // Each backend instance checks on its own; the check is one in-process read of the environment list.
      changeCheckRunner: options.scheduler.createScheduledTaskRunner({
        frequency: changeCheckInterval,
        timeout: { minutes: 2 },
        scope: 'local',
      }),
      system: providerConfig?.getOptionalString('system'),
      events: options.events,
    });
  }

  readonly #logger: LoggerService;
  readonly #auth: AuthService;
  readonly #environments: EnvironmentsService;
  readonly #taskRunner?: SchedulerServiceTaskRunner;
  readonly #changeCheckRunner?: SchedulerServiceTaskRunner;
  readonly #system?: string;
  readonly #events?: EventsService;
  #connection?: EntityProviderConnection;
  /** Fingerprint of the environments of the last applied mutation. */
  #applied?: string;
  /** Whether the last change check failed, so that a failing engine is logged once, not every few seconds. */
  #changeCheckFailing = false;

  constructor(options: EnvironmentsEntityProviderOptions) {
    this.#logger = options.logger;
    this.#auth = options.auth;
    this.#environments = options.environments;
    this.#taskRunner = options.taskRunner;
    this.#changeCheckRunner = options.changeCheckRunner;
    this.#system = options.system;
    this.#events = options.events;
  }

  getProviderName(): string {
    return PROVIDER_NAME;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.#connection = connection;
    await this.#taskRunner?.run({
      id: `${PROVIDER_NAME}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (error) {
          this.#logger.error(
            'Refreshing the envmesh environment entities failed',
            error as Error,
          );
        }
      },
    });
    await this.#events?.subscribe({
      id: `${PROVIDER_NAME}:operations`,
      topics: [ENVIRONMENTS_OPERATIONS_TOPIC],
      // Only an ended operation changes what the entities say; an older backend's events have no `event`.
      onEvent: async ({ eventPayload }) => {
        const { event } = eventPayload as Partial<EnvironmentsOperationEvent>;
        if (event === undefined || event === 'finished') {
          await this.#checkForChanges();
        }
      },
    });
    await this.#changeCheckRunner?.run({
      id: `${PROVIDER_NAME}:change-check`,
      fn: () => this.#checkForChanges(),
    });
  }

  /** A change check whose failure is logged once, not every few seconds, and never thrown. */
  async #checkForChanges() {
    try {
      await this.refreshIfChanged();
      if (this.#changeCheckFailing) {
        this.#logger.info('Checking envmesh environments works again');
      }
      this.#changeCheckFailing = false;
    } catch (error) {
      if (!this.#changeCheckFailing) {
        this.#logger.warn(
          'Checking envmesh environments for changes failed',
          error as Error,
        );
      }
      this.#changeCheckFailing = true;
    }
  }

  /**
   * Reads all environments and replaces the provider's entities with them (a full mutation). Nothing is
   * replaced when the environments cannot be read. Can be called at any time after the catalog connected
   * the provider, for example when an environment changed.
   */
  async refresh(): Promise<void> {
    const connection = this.#connection;
    if (!connection) {
      throw new Error(
        `The ${PROVIDER_NAME} entity provider is not connected to the catalog yet`,
      );
    }
    const environments = await this.#listEnvironments();
    await this.#apply(connection, environments);
  }

  /**
   * Reads all environments and replaces the provider's entities only when the environments changed since
   * the last mutation (in a field the entities are made of). Returns whether it replaced them.
   */
  async refreshIfChanged(): Promise<boolean> {
    const connection = this.#connection;
    if (!connection) {
      throw new Error(
        `The ${PROVIDER_NAME} entity provider is not connected to the catalog yet`,
      );
    }
    const environments = await this.#listEnvironments();
    if (fingerprint(environments) === this.#applied) {
      return false;
    }
    await this.#apply(connection, environments);
    return true;
  }

  /** As the provider's service principal: it reads for the catalog, for no user in particular. */
  async #listEnvironments(): Promise<EnvironmentSummary[]> {
    const credentials = await this.#auth.getOwnServiceCredentials();
    return this.#environments.listEnvironments({ credentials });
  }

  async #apply(
    connection: EntityProviderConnection,
    environments: EnvironmentSummary[],
  ) {
    const entities = environments.flatMap(environment => {
      const entity = this.#toEntity(environment);
      return entity ? [{ entity, locationKey: PROVIDER_NAME }] : [];
    });
    await connection.applyMutation({ type: 'full', entities });
    this.#applied = fingerprint(environments);
    this.#logger.info(
      `Provided ${entities.length} environment entities to the catalog`,
    );
  }

  #toEntity(
    environment: EnvironmentSummary,
  ): ResourceEntityV1alpha1 | undefined {
    // Only named, non-secret fields of the summary are taken.
    const { name, cluster, namespace, owner, description, componentRefs } =
      environment;
    const invalid = validateDnsLabel(name, 'environment name');
    if (invalid) {
      this.#logger.warn(`Skipping an environment: ${invalid}`);
      return undefined;
    }
    const location = `envmesh:environments/${name}`;
    const dependencyOf = this.#componentRefs(name, componentRefs ?? []);

    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name,
        title: name,
        description:
          description ||
          `envmesh environment in namespace ${namespace} of cluster ${cluster}`,
        annotations: {
          [ANNOTATION_LOCATION]: location,
          [ANNOTATION_ORIGIN_LOCATION]: location,
          [ANNOTATION_ENVMESH_CLUSTER]: cluster,
          [ANNOTATION_ENVMESH_NAMESPACE]: namespace,
        },
      },
      spec: {
        type: 'environment',
        owner,
        ...(this.#system ? { system: this.#system } : {}),
        ...(dependencyOf.length ? { dependencyOf } : {}),
      },
    };
  }

  /** Full component refs (`component:<namespace>/<name>`); refs that cannot be parsed are left out. */
  #componentRefs(environment: string, refs: string[]): string[] {
    const result = new Set<string>();
    for (const ref of refs) {
      try {
        result.add(
          stringifyEntityRef(
            parseEntityRef(ref, {
              defaultKind: 'component',
              defaultNamespace: 'default',
            }),
          ),
        );
      } catch (error) {
        this.#logger.warn(
          `Environment ${environment} has an invalid component ref '${ref}': ${error}`,
        );
      }
    }
    return [...result];
  }
}

/**
 * A digest of the fields of the environments that their entities are made of (not, for example, how many
 * of their services are ready), in a stable order.
 */
function fingerprint(environments: EnvironmentSummary[]): string {
  const fields = environments
    .map(({ name, cluster, namespace, owner, description, componentRefs }) => [
      name,
      cluster,
      namespace,
      owner,
      description ?? null,
      [...(componentRefs ?? [])].sort(),
    ])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
