/**
 * A Kubernetes cluster envmesh can deploy to, as configured for the Kubernetes plugin.
 *
 * @public
 */
export interface ClusterSummary {
  name: string;
  title?: string;
  url: string;
}

/**
 * One environment as listed: where it runs, who owns it and how its services are doing.
 *
 * @public
 */
export interface EnvironmentSummary {
  name: string;
  cluster: string;
  namespace: string;
  owner: string;
  description?: string;
  /** Entity refs of the catalog components of its services, where known. */
  componentRefs: string[];
  services: { total: number; ready: number };
  /** `asleep` from a sleep request until the next wake request: its workloads are scaled to zero. */
  sleepState: SleepState;
  /** When the environment was put to sleep. */
  asleepSince?: string;
}

/**
 * Whether an environment's workloads run (`awake`) or were scaled to zero by a sleep operation (`asleep`).
 *
 * @public
 */
export type SleepState = 'awake' | 'asleep';

/**
 * Where a service's chart came from.
 *
 * @public
 */
export interface ChartSource {
  /** `directory`: a local folder; `git`: a Git URL cloned with git; `url`: a location read through Backstage's UrlReader. */
  type: 'directory' | 'git' | 'url';
  location: string;
  /** Git ref (branch, tag or commit) for `git`. */
  ref?: string;
}

/**
 * A service of the registry: a Helm chart plus the service's own default values.
 *
 * @public
 */
export interface ServiceDefinition {
  name: string;
  source: ChartSource;
  /** The chart as stored (a packaged archive keyed by its sha256 digest). */
  chart: { name: string; version: string; digest: string };
  /** The service's values file (services/<name>/values.yaml), layered over the chart's own defaults. */
  defaultValues: Record<string, unknown>;
  image: { repository?: string; tag?: string };
  startupGroup: number;
  catalogEntityRef?: string;
  updatedAt: string;
}

/**
 * A service as deployed in one environment.
 *
 * @public
 */
export interface EnvironmentServiceSpec {
  name: string;
  /** Overrides the image tag of the service definition. */
  imageTag?: string;
  /** Values override YAML, as an object. */
  values?: Record<string, unknown>;
  /** Key/value overrides with dotted paths (`env.LOG_LEVEL`), the highest layer. */
  keyValues?: Record<string, string>;
  /** Overrides the startup group of the service definition. */
  startupGroup?: number;
  /**
   * Renders the service with this stored chart and these service defaults instead of the registry's current
   * ones: set by a rollback (the revision's) and a copy (the source's), so a re-imported chart does not
   * reach it. An update that sends the service again without it returns it to the registry's chart.
   */
  pinned?: ServicePin;
}

/**
 * The chart (by the digest it is stored under) and the service's default values a revision was rendered with.
 *
 * @public
 */
export interface ServicePin {
  chartDigest: string;
  defaultValues: Record<string, unknown>;
}

/** @public */
export interface ConfigMapSpec {
  name: string;
  data: Record<string, string>;
}

/**
 * A Secret of the environment's config: its key names are stored, its values only ever written to the cluster.
 *
 * @public
 */
export interface SecretSpec {
  name: string;
  type?: string;
  keys: string[];
}

/** An Istio Gateway of the environment. @public */
export interface GatewaySpec {
  name: string;
  /** Defaults to the environment's namespace. */
  namespace?: string;
  hosts: string[];
  /** Istio ingress gateway pod selector; `{ istio: 'ingressgateway' }` by default. */
  selector?: Record<string, string>;
  /** HTTPS on 443 with this credential (a TLS Secret in the gateway's namespace); HTTP 80 only without it. */
  tls?: { credentialName: string; httpsRedirect?: boolean };
}

/** A cert-manager Certificate of the environment. @public */
export interface CertificateSpec {
  name: string;
  namespace?: string;
  secretName: string;
  dnsNames: string[];
  issuerRef: {
    name: string;
    kind?: 'Issuer' | 'ClusterIssuer';
    group?: string;
  };
}

/**
 * The desired state of an environment.
 *
 * @public
 */
/**
 * How an environment routes feature requests (see docs/feature-branches.md):
 * - `subset`: a DestinationRule subset per feature of the base Service, header route → subset;
 * - `service`: a Service per feature instance, header route → its host; the base Service never selects a
 *   feature pod, so clients without a sidecar reach base pods only.
 *
 * @public
 */
export type RoutingMode = 'subset' | 'service';

/** @public */
export interface EnvironmentRouting {
  mode: RoutingMode;
  /** Label the namespace `istio-injection: enabled`, so Istio injects a sidecar into every pod. */
  sidecarInjection?: boolean;
}

/** @public */
export interface EnvironmentSpec {
  name: string;
  cluster: string;
  namespace: string;
  owner: string;
  description?: string;
  /** Preview hosts of feature branches are `<feature>.<previewDomain>`. */
  previewDomain?: string;
  /** The front-end service preview hosts route to (its feature instance if the feature has one). */
  previewService?: string;
  /** How feature requests are routed; `subset` when not set. */
  routing?: EnvironmentRouting;
  globalValues: Record<string, unknown>;
  config: { configMaps: ConfigMapSpec[]; secrets: SecretSpec[] };
  resources: { gateways: GatewaySpec[]; certificates: CertificateSpec[] };
  services: EnvironmentServiceSpec[];
}

/** @public */
export type OperationType =
  | 'create'
  | 'update'
  | 'delete'
  | 'copy'
  | 'rollback'
  | 'deploy-feature'
  | 'remove-feature'
  | 'sleep'
  | 'wake';

/** @public */
export type OperationState =
  | 'pending'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

/** @public */
export interface OperationStep {
  index: number;
  name: string;
  /** The startup group a service step belongs to. */
  group?: number;
  service?: string;
  state: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
  startedAt?: string;
  finishedAt?: string;
  message?: string;
}

/**
 * A persisted, resumable change to an environment.
 *
 * @public
 */
export interface Operation {
  id: string;
  environment: string;
  /** The feature branch a `deploy-feature` or `remove-feature` operation works on. */
  feature?: string;
  type: OperationType;
  state: OperationState;
  actor: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  steps: OperationStep[];
}

/**
 * One apply of one service in one environment.
 *
 * @public
 */
export interface Revision {
  environment: string;
  service: string;
  revision: number;
  imageTag?: string;
  values: Record<string, unknown>;
  manifestHash: string;
  /** The digest of the chart it was rendered with (revisions recorded before this was kept have none). */
  chartDigest?: string;
  /** The service's default values it was rendered with (see chartDigest). */
  defaultValues?: Record<string, unknown>;
  actor: string;
  createdAt: string;
}

/**
 * A service of a feature branch: deployed beside the base environment's instance from its own image tag or
 * values, and routed to for requests that carry the feature's name.
 *
 * @public
 */
export interface FeatureInstanceSpec {
  service: string;
  /** Overrides the image tag the base environment runs. */
  imageTag?: string;
  /** Values layered over the service's values in the base environment. */
  values?: Record<string, unknown>;
}

/** @public */
export type FeatureInstanceState =
  | 'pending'
  | 'deploying'
  | 'ready'
  | 'failed'
  | 'removing';

/** @public */
export interface FeatureInstance extends FeatureInstanceSpec {
  state: FeatureInstanceState;
  /** Why the instance failed, or what it is waiting for. */
  message?: string;
  updatedAt: string;
}

/**
 * Where a feature branch's code came from (a push, a scaffolder run).
 *
 * @public
 */
export interface FeatureSource {
  repository?: string;
  branch?: string;
  sha?: string;
}

/**
 * A feature branch: feature instances of some services of a base environment, reached by the routing header
 * (`X-FEATURE-NAME: <name>`) or the preview host `<name>.<previewDomain>`.
 *
 * @public
 */
export interface FeatureBranch {
  name: string;
  environment: string;
  owner: string;
  description?: string;
  source?: FeatureSource;
  /** When the TTL janitor removes it. */
  expiresAt?: string;
  instances: FeatureInstance[];
  createdAt: string;
  updatedAt: string;
}

/**
 * A feature branch as the API shows it: with its preview URLs and, per service of the base environment,
 * whether requests for the feature reach a feature instance or fall back to the base one.
 *
 * @public
 */
export interface FeatureBranchDetails extends FeatureBranch {
  previewUrls: string[];
  routing: Array<{ service: string; target: 'feature' | 'default' }>;
  /** The request header that selects the feature, e.g. `X-FEATURE-NAME: <name>`. */
  routingHeader: string;
}
