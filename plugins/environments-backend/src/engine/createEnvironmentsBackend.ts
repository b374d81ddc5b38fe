import { LoggerService, UrlReaderService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { ScmIntegrations } from '@backstage/integration';
import type {
  ActivitySource,
  ChartRenderer,
  CostSource,
  EnvironmentsPartFactory,
  FeatureIsolationHook,
} from '@envmesh/plugin-environments-node';
import { ReleaseApplier, formatRef } from '../apply';
import { ClusterRegistry } from '../clusters';
import { ConfigCostSource, CostLedger } from '../cost';
import type { ClusterSupplier, KubernetesPluginFollow } from '../clusters';
import { placementFromConfig } from '../features';
import { DesiredState } from '../desired';
import { ConvergeExecutor } from '../orchestrate/ConvergeExecutor';
import { DeleteExecutor } from '../orchestrate/DeleteExecutor';
import { EnvironmentRollout } from '../orchestrate/EnvironmentRollout';
import { ScaleExecutor } from '../orchestrate/ScaleExecutor';
import { StartupGroups } from '../orchestrate/StartupGroups';
import { FeatureRollout } from '../orchestrate/FeatureRollout';
import { recordOwnGenerations } from '../orchestrate/ownGenerations';
import { OperationEvents } from '../orchestrate/OperationEvents';
import { OperationRunner } from '../orchestrate/OperationRunner';
import { ServiceImporter } from '../registry';
import { HelmRenderer } from '../render';
import { MatchOptions, RoutingDriver, createRoutingDriver } from '../routing';
import type { DatabaseStores } from '../store';
import { NamespaceWatchers } from '../watch';
import { EnvironmentCommands } from '../commands/EnvironmentCommands';
import { LifecycleCommands } from '../commands/LifecycleCommands';
import { OperationStarter } from '../commands/OperationStarter';
import { LifecycleConfig, lifecycleRulesFromConfig } from '../lifecycle';
import { LifecycleReader } from '../queries/LifecycleReader';
import { FeatureCommands } from '../commands/FeatureCommands';
import { ServiceRegistry } from '../commands/ServiceRegistry';
import { EnvironmentDiffer } from '../queries/EnvironmentDiffer';
import { EnvironmentExporter } from '../queries/EnvironmentExporter';
import { FeatureReachabilityReader } from '../queries/FeatureReachabilityReader';
import { EnvironmentReader } from '../queries/EnvironmentReader';
import { EnvironmentStatusReader } from '../queries/EnvironmentStatusReader';
import { OperationQueries } from '../queries/OperationQueries';
import { RouteTracer } from '../queries/RouteTracer';

/** The engine's parts, wired from config; the backend plugin and the benchmarks build it the same way. */
export interface EnvironmentsBackend {
  stores: DatabaseStores;
  clusters: ClusterSupplier;
  renderer: ChartRenderer;
  applier: ReleaseApplier;
  watchers: NamespaceWatchers;
  routing: RoutingDriver;
  runner: OperationRunner;
  /** Operation lifecycle events (see OperationEvents), to subscribe to. */
  events: OperationEvents;
  /** Imports and lists the services environments are made of. */
  registry: ServiceRegistry;
  /** Creates, changes and deletes environments, each change as an operation. */
  environments: EnvironmentCommands;
  /** Sleep, wake and the lifecycle settings. */
  lifecycle: LifecycleCommands;
  /** The lifecycle rules from config (`environments.lifecycle`). */
  lifecycleRules: LifecycleConfig;
  /** An environment's lifecycle and its next automatic action. */
  lifecycleReader: LifecycleReader;
  /** When environments last served requests (none by default), for idle recycling. */
  activity: ActivitySource;
  /** An environment's spec, values, manifests and revisions. */
  reader: EnvironmentReader;
  /** Desired against live: readiness and drift. */
  status: EnvironmentStatusReader;
  /** What an update would change. */
  differ: EnvironmentDiffer;
  /** The environment as files (its Environment document and rendered manifests). */
  exporter: EnvironmentExporter;
  operations: OperationQueries;
  features: FeatureCommands;
  /** Which feature instances a request can reach (catalog call graph, propagation, sidecars). */
  reachability: FeatureReachabilityReader;
  tracer: RouteTracer;
  /** What environments and feature branches cost (requests × awake hours × the cost source's prices). */
  costs: CostLedger;
  /** Stops the runner, the watches and the helm workers. */
  close(): Promise<void>;
}

/** Factories that replace or wrap the parts built from config (see environmentsPartsExtensionPoint). */
export interface EnvironmentsPartFactories {
  renderer?: EnvironmentsPartFactory<ChartRenderer>;
  clusterSupplier?: EnvironmentsPartFactory<ClusterSupplier>;
  routingDriver?: EnvironmentsPartFactory<RoutingDriver>;
  costSource?: EnvironmentsPartFactory<CostSource>;
  activitySource?: EnvironmentsPartFactory<ActivitySource>;
}

/** `helm.rendererBinary`: a path, `none` (always helm; config has no empty strings), or absent (the default). */
function rendererBinaryOf(settings: Config | undefined) {
  const binary = settings?.getOptionalString('helm.rendererBinary');
  return binary === 'none' ? '' : binary;
}

/** The part a factory makes of the default, or the default when there is no factory. */
async function part<T>(
  factory: EnvironmentsPartFactory<T> | undefined,
  getDefault: () => T,
): Promise<T> {
  return factory ? factory({ getDefault }) : getDefault();
}

/**
 * Builds the engine from `environments.*` and the Kubernetes plugin's `kubernetes.clusterLocatorMethods`,
 * each pluggable part through its factory when one is given. The runner is not started: call
 * `runner.start()` when the backend is up.
 */
export async function createEnvironmentsBackend(options: {
  config: Config;
  logger: LoggerService;
  stores: DatabaseStores;
  urlReader?: UrlReaderService;
  /** The catalog, for the call graph of the reachability pre-flight (without one, no service is known to call another). */
  catalog?: CatalogService;
  /** The data-isolation hooks feature instances get (read at each deploy, so late registrations count). */
  isolationHooks?: () => FeatureIsolationHook[];
  parts?: EnvironmentsPartFactories;
  /** The Kubernetes plugin's clusters, followed by the default cluster registry when its module offers them. */
  kubernetesPlugin?: KubernetesPluginFollow;
}): Promise<EnvironmentsBackend> {
  const { parts = {} } = options;
  const { config, logger, stores } = options;
  const settings = config.getOptionalConfig('environments');
  const helmBinary = settings?.getOptionalString('helm.binary') ?? 'helm';
  const readyTimeoutMs =
    (settings?.getOptionalNumber('rollout.readyTimeoutSeconds') ?? 300) * 1000;
  const parallelism = settings?.getOptionalNumber('rollout.parallelism') ?? 8;
  const headerName = settings?.getOptionalString('features.routing.headerName');
  // How feature requests are recognised: by routes, preview hosts and the pre-flight alike.
  const baggage =
    settings?.getOptionalBoolean('features.routing.baggage') ?? false;
  const match: MatchOptions = { headerName, baggage };

  const clusters = await part(parts.clusterSupplier, () =>
    ClusterRegistry.fromConfig(config, {
      logger: logger.child({ component: 'clusters' }),
      kubernetesPlugin: options.kubernetesPlugin,
    }),
  );
  const renderer = await part(
    parts.renderer,
    () =>
      new HelmRenderer({
        helmBinary,
        rendererBinary: rendererBinaryOf(settings),
        concurrency: settings?.getOptionalNumber('render.concurrency') ?? 4,
        timeoutMs:
          (settings?.getOptionalNumber('render.timeoutSeconds') ?? 120) * 1000,
        logger: logger.child({ component: 'render' }),
      }),
  );
  const applier = new ReleaseApplier({ logger });
  const watchers = new NamespaceWatchers({
    kubeConfigFor: name => clusters.kubeConfig(name),
    logger,
    // What was applied before a restart keeps its drift baseline.
    baselinesFor: async (cluster, namespace) =>
      (
        await stores.inventories.listNamespaceInventories(cluster, namespace)
      ).map(i => ({
        release: i.release,
        recorded: i.objects,
      })),
  });
  const integrations = ScmIntegrations.fromConfig(config);
  const importer = new ServiceImporter({
    renderer,
    helmBinary,
    // Local folders only where the operator says so: none by default.
    directoryRoots:
      settings?.getOptionalStringArray('import.directoryRoots') ?? [],
    // Git hosts the portal has integrations for (github.com is one by default).
    allowsGitHost: host => !!integrations.byHost(host),
    urlReader: options.urlReader,
    logger,
  });
  const routing = await part(parts.routingDriver, () =>
    createRoutingDriver(
      (settings?.getOptionalString('features.routing.driver') ??
        'istio') as 'istio',
      {
        logger: logger.child({ component: 'routing' }),
        ...match,
      },
    ),
  );
  // Routing's own writes to a chart's VirtualService are not drift of its release.
  routing.events.on('releaseObjectWritten', write =>
    stores.environments
      .getEnvironment(write.environment)
      .then(
        env =>
          env &&
          recordOwnGenerations(
            { inventories: stores.inventories, watchers },
            env,
            [write],
          ),
      )
      .catch(error =>
        logger.warn(
          `could not record routing's write to ${formatRef(
            write.ref,
          )}: ${error}`,
        ),
      ),
  );
  const placement = placementFromConfig(
    settings?.getOptionalConfig('features'),
  );
  const desired = new DesiredState({
    registry: stores.registry,
    renderer,
    routing,
    placement,
  });
  const featureRollout = new FeatureRollout({
    environments: stores.environments,
    features: stores.features,
    inventories: stores.inventories,
    revisions: stores.revisions,
    clusters,
    desired,
    applier,
    watchers,
    routing,
    isolationHooks: options.isolationHooks ?? (() => []),
    settings: {
      parallelism,
      readyTimeoutMs,
      placement,
      match,
    },
  });
  const events = new OperationEvents();
  events.on('serviceApplied', ({ environment, service }) =>
    featureRollout.restoreRoutes(environment, service),
  );
  const groups = new StartupGroups({
    registry: stores.registry,
    inventories: stores.inventories,
    watchers,
    readyTimeoutMs,
    unschedulableGraceMs:
      (settings?.getOptionalNumber('rollout.unschedulableGraceSeconds') ?? 30) *
      1000,
  });
  const rollout = new EnvironmentRollout({
    environments: stores.environments,
    clusters,
    groups,
    executors: {
      converge: new ConvergeExecutor({
        inventories: stores.inventories,
        revisions: stores.revisions,
        features: stores.features,
        clusters,
        desired,
        applier,
        watchers,
        groups,
        parallelism,
        events,
      }),
      scale: new ScaleExecutor({
        inventories: stores.inventories,
        watchers,
        groups,
        parallelism,
      }),
      delete: new DeleteExecutor({
        environments: stores.environments,
        inventories: stores.inventories,
        applier,
        watchers,
      }),
    },
  });
  const runner = new OperationRunner({
    operations: stores.operations,
    logger: logger.child({ component: 'operations' }),
    execute: async (operation, context) => {
      if (!operation.feature) {
        await rollout.execute(operation, context);
        return;
      }
      await featureRollout.execute(operation, context);
    },
    events,
    leaseMs:
      (settings?.getOptionalNumber('operations.leaseSeconds') ?? 15) * 1000,
    concurrency: settings?.getOptionalNumber('operations.concurrency') ?? 4,
  });
  const operations = new OperationQueries({ operations: stores.operations });
  const starter = new OperationStarter({
    transaction: stores.transaction,
    rollout,
    runner,
  });
  const lifecycleRules = lifecycleRulesFromConfig(config);
  const activity = await part(parts.activitySource, () => ({
    lastRequestAt: async () => undefined,
  }));
  const environments = new EnvironmentCommands({
    environments: stores.environments,
    registry: stores.registry,
    features: stores.features,
    revisions: stores.revisions,
    operationStore: stores.operations,
    clusters,
    desired,
    applier,
    starter,
    operations,
    settings: lifecycleRules,
  });
  const lifecycle = new LifecycleCommands({
    environments: stores.environments,
    operations: stores.operations,
    lifecycle: stores.lifecycle,
    starter,
    settings: lifecycleRules,
  });
  const features = new FeatureCommands({
    environments: stores.environments,
    features: stores.features,
    revisions: stores.revisions,
    operations: stores.operations,
    inventories: stores.inventories,
    transaction: stores.transaction,
    clusters,
    rollout: featureRollout,
    desired,
    runner,
    lifecycle,
    logger,
    settings: {
      defaultTtlHours:
        settings?.getOptionalNumber('features.defaultTtlHours') ?? 72,
      headerName,
    },
  });
  const tracer = new RouteTracer({
    environments: stores.environments,
    clusters,
    desired,
  });
  return {
    stores,
    clusters,
    renderer,
    applier,
    watchers,
    routing,
    runner,
    events,
    registry: new ServiceRegistry({ registry: stores.registry, importer }),
    environments,
    lifecycle,
    lifecycleRules,
    activity,
    lifecycleReader: new LifecycleReader({
      environments: stores.environments,
      rules: lifecycleRules,
      activity,
    }),
    reader: new EnvironmentReader({
      environments: stores.environments,
      revisions: stores.revisions,
      desired,
      operations,
    }),
    status: new EnvironmentStatusReader({
      environments: stores.environments,
      registry: stores.registry,
      inventories: stores.inventories,
      revisions: stores.revisions,
      clusters,
      watchers,
    }),
    differ: new EnvironmentDiffer({
      environments: stores.environments,
      registry: stores.registry,
      features: stores.features,
      inventories: stores.inventories,
      clusters,
      desired,
      applier,
    }),
    exporter: new EnvironmentExporter({
      environments: stores.environments,
      desired,
    }),
    operations,
    features,
    reachability: new FeatureReachabilityReader({
      environments: stores.environments,
      features: stores.features,
      registry: stores.registry,
      clusters,
      catalog: options.catalog,
      baggage,
    }),
    tracer,
    costs: new CostLedger({
      ...stores,
      desired,
      costs: await part(parts.costSource, () =>
        ConfigCostSource.fromConfig(config),
      ),
    }),
    async close() {
      await runner.stop();
      await watchers.stopAll();
      await renderer.close();
    },
  };
}
