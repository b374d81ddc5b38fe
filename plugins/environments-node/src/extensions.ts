import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type {
  ClusterSummary,
  ValuesObject,
} from '@envmesh/plugin-environments-common';
import type { RoutingDriver } from './routingDriver';

/**
 * A factory an extension point takes: it is handed the part envmesh would build from config, so it can wrap
 * it (add metrics, a cache) or replace it.
 *
 * @public
 */
export type EnvironmentsPartFactory<T> = (options: {
  getDefault: () => T;
}) => T | Promise<T>;

/**
 * A packaged chart (.tgz) as the registry stores it, and its content digest.
 *
 * @public
 */
export interface ChartArchiveRef {
  digest: string;
  archive: Buffer;
}

/**
 * One service to render: what `helm template <release> <chart> --namespace <namespace> -f <values>` gets.
 *
 * @public
 */
export interface RenderRequest {
  release: string;
  namespace: string;
  chart: ChartArchiveRef;
  values: ValuesObject;
}

/**
 * Turns a chart and values into the objects to apply, byte for byte what `helm template` gives. The default
 * runs helm (with a render cache); errors carry helm's message.
 *
 * @public
 */
export interface ChartRenderer {
  render(request: RenderRequest): Promise<KubernetesObject[]>;
  /** The chart's own values.yaml, as an object (`{}` when it has none). */
  chartDefaults(chart: ChartArchiveRef): Promise<ValuesObject>;
  /** Called when the backend stops. */
  close(): Promise<void>;
}

/**
 * The clusters environments run in. The default reads `kubernetes.clusterLocatorMethods` as the Kubernetes
 * plugin does.
 *
 * @public
 */
export interface EnvironmentsClusterSupplier {
  list(): ClusterSummary[];
  /**
   * The client config of a cluster; throws an InputError naming `field` (default `cluster`) for an unknown
   * one, since a cluster name comes from a request.
   */
  kubeConfig(name: string, field?: string): KubeConfig;
  /** Whether the cluster's API server answers and accepts the credentials, or why not. */
  status(
    name: string,
  ): Promise<{ reachable: boolean; version?: string; error?: string }>;
}

/**
 * Lets a backend module replace or wrap the parts the environments backend builds from config. Each part
 * may be set once.
 *
 * @example
 * ```ts
 * createBackendModule({
 *   pluginId: 'environments',
 *   moduleId: 'render-metrics',
 *   register(reg) {
 *     reg.registerInit({
 *       deps: { parts: environmentsPartsExtensionPoint },
 *       async init({ parts }) {
 *         parts.setRenderer(({ getDefault }) => withMetrics(getDefault()));
 *       },
 *     });
 *   },
 * });
 * ```
 *
 * @public
 */
export interface EnvironmentsPartsExtensionPoint {
  setRenderer(factory: EnvironmentsPartFactory<ChartRenderer>): void;
  setClusterSupplier(
    factory: EnvironmentsPartFactory<EnvironmentsClusterSupplier>,
  ): void;
  /**
   * The only writer of feature routing. A replacement keeps the default's contract (see RoutingDriver) and
   * its `kind`, which decides how base releases are isolated.
   */
  setRoutingDriver(factory: EnvironmentsPartFactory<RoutingDriver>): void;
  /** What requested CPU and memory cost per cluster: the default reads `environments.cost.prices`. */
  setCostSource(factory: EnvironmentsPartFactory<CostSource>): void;
  /** When environments last served requests, for idle recycling: the default knows of none. */
  setActivitySource(factory: EnvironmentsPartFactory<ActivitySource>): void;
}

/**
 * When an environment, or a feature branch of it, last served requests: a mesh's request metrics, say.
 * Idle recycling counts it as activity beside operations, API writes and pushes.
 *
 * @public
 */
export interface ActivitySource {
  lastRequestAt(target: {
    environment: string;
    feature?: string;
  }): Promise<Date | undefined>;
}

/**
 * The price of an hour of one requested CPU core and of one requested GiB of memory on a cluster.
 *
 * @public
 */
export interface CostPrices {
  currency: string;
  cpuHour: number;
  memoryGiBHour: number;
}

/**
 * Where the cost ledger gets its prices: from config by default; an organisation can plug in its billing
 * export or FinOps tool instead.
 *
 * @public
 */
export interface CostSource {
  pricesFor(cluster: string): Promise<CostPrices>;
}

/**
 * The extension point of the environments backend plugin for its renderer, cluster supplier, routing driver,
 * cost source and activity source.
 *
 * @public
 */
export const environmentsPartsExtensionPoint =
  createExtensionPoint<EnvironmentsPartsExtensionPoint>({
    id: 'environments.parts',
  });
