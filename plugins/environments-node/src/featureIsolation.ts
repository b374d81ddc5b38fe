import { createExtensionPoint } from '@backstage/backend-plugin-api';

/**
 * What a data-isolation hook is told about the feature instance it prepares.
 *
 * @public
 */
export interface FeatureIsolationContext {
  /** The base environment the feature branch runs beside. */
  environment: string;
  /** The Kubernetes namespace of that environment, where the instance runs. */
  namespace: string;
  /** The service of which an instance is deployed, e.g. `demo-api`. */
  service: string;
  /** The feature name (a DNS-1123 label), e.g. `feature-31337`. */
  feature: string;
}

/**
 * A Job a data-isolation hook wants run in the environment's namespace before the feature instance starts,
 * e.g. to copy a database schema or create a topic. The engine builds the Job (name, labels, restart policy,
 * the feature nodes' placement) and waits for it to complete. The container also gets the env vars the
 * hooks give the instance, so it knows e.g. the schema name.
 *
 * @public
 */
export interface FeatureIsolationJobTemplate {
  image: string;
  command?: string[];
  args?: string[];
  /** Plain env vars. Do not put credentials here: name a Secret in `envFrom` instead. */
  env?: Record<string, string>;
  /** Secrets and ConfigMaps of the namespace whose keys become env vars of the Job's container. */
  envFrom?: Array<{ secret: string } | { configMap: string }>;
  /** Retries before the Job counts as failed. Default 2. */
  backoffLimit?: number;
  /** The Job is stopped and fails after this long. */
  activeDeadlineSeconds?: number;
}

/**
 * Gives feature instances their own share of shared data stores: per-feature env vars (a schema name, a
 * topic prefix, a cache map name) and, optionally, a Job run before the instance starts.
 *
 * @public
 */
export interface FeatureIsolationHook {
  /** Unique among the hooks of the backend; part of the name of the hook's Job. */
  name: string;
  /** Env vars given to every container of the feature instance. Two hooks may not set the same one. */
  env?(
    ctx: FeatureIsolationContext,
  ): Promise<Record<string, string>> | Record<string, string>;
  /** A Job run in the namespace before the instance starts; the engine waits for it to complete. */
  job?(
    ctx: FeatureIsolationContext,
  ):
    | Promise<FeatureIsolationJobTemplate | undefined>
    | FeatureIsolationJobTemplate
    | undefined;
}

/**
 * Lets backend modules add data-isolation hooks for feature instances, next to the built-in ones configured
 * under `environments.features.isolation`.
 *
 * @public
 */
export interface EnvironmentsFeatureIsolationExtensionPoint {
  addHook(...hooks: FeatureIsolationHook[]): void;
}

/**
 * The extension point of the environments backend plugin for data-isolation hooks.
 *
 * @example
 * ```ts
 * createBackendModule({
 *   pluginId: 'environments',
 *   moduleId: 'kafka-topics',
 *   register(reg) {
 *     reg.registerInit({
 *       deps: { isolation: environmentsFeatureIsolationExtensionPoint },
 *       async init({ isolation }) {
 *         isolation.addHook({ name: 'kafka', env: ({ feature }) => ({ KAFKA_GROUP: feature }) });
 *       },
 *     });
 *   },
 * });
 * ```
 *
 * @public
 */
export const environmentsFeatureIsolationExtensionPoint =
  createExtensionPoint<EnvironmentsFeatureIsolationExtensionPoint>({
    id: 'environments.feature-isolation',
  });
