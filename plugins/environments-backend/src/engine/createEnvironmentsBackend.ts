import { LoggerService, UrlReaderService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import type { FeatureIsolationHook } from '@envmesh/plugin-environments-node';
import { ReleaseApplier, formatRef } from '../apply';
import { ClusterRegistry } from '../clusters/ClusterRegistry';
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
import { RoutingDriver, createRoutingDriver } from '../routing';
import { DatabaseEnvironmentStore } from '../store';
import { NamespaceWatchers } from '../watch';
import { EnvironmentCommands } from '../commands/EnvironmentCommands';
import { FeatureCommands } from '../commands/FeatureCommands';
import { ServiceRegistry } from '../commands/ServiceRegistry';
import { EnvironmentDiffer } from '../queries/EnvironmentDiffer';
import { EnvironmentReader } from '../queries/EnvironmentReader';
import { EnvironmentStatusReader } from '../queries/EnvironmentStatusReader';
import { OperationQueries } from '../queries/OperationQueries';
import { RouteTracer } from '../queries/RouteTracer';

/** The engine's parts, wired from config; the backend plugin and the benchmarks build it the same way. */
export interface EnvironmentsBackend {
  store: DatabaseEnvironmentStore;
  clusters: ClusterRegistry;
  renderer: HelmRenderer;
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
  /** An environment's spec, values, manifests and revisions. */
  reader: EnvironmentReader;
  /** Desired against live: readiness and drift. */
  status: EnvironmentStatusReader;
  /** What an update would change. */
  differ: EnvironmentDiffer;
  operations: OperationQueries;
  features: FeatureCommands;
  tracer: RouteTracer;
  /** Stops the runner, the watches and the helm workers. */
  close(): Promise<void>;
}

/**
 * Builds the engine from `environments.*` and the Kubernetes plugin's `kubernetes.clusterLocatorMethods`.
 * The runner is not started: call `runner.start()` when the backend is up.
 */
export function createEnvironmentsBackend(options: {
  config: Config;
  logger: LoggerService;
  store: DatabaseEnvironmentStore;
  urlReader?: UrlReaderService;
  /** The data-isolation hooks feature instances get (read at each deploy, so late registrations count). */
  isolationHooks?: () => FeatureIsolationHook[];
}): EnvironmentsBackend {
  const { config, logger, store } = options;
  const settings = config.getOptionalConfig('environments');
  const helmBinary = settings?.getOptionalString('helm.binary') ?? 'helm';
  const readyTimeoutMs =
    (settings?.getOptionalNumber('rollout.readyTimeoutSeconds') ?? 300) * 1000;
  const parallelism = settings?.getOptionalNumber('rollout.parallelism') ?? 8;
  const headerName = settings?.getOptionalString('features.routing.headerName');

  const clusters = ClusterRegistry.fromConfig(config);
  const renderer = new HelmRenderer({
    helmBinary,
    rendererBinary: settings?.getOptionalString('helm.rendererBinary'),
    concurrency: settings?.getOptionalNumber('render.concurrency') ?? 4,
    logger: logger.child({ component: 'render' }),
  });
  const applier = new ReleaseApplier({ logger });
  const watchers = new NamespaceWatchers({
    kubeConfigFor: name => clusters.kubeConfig(name),
    logger,
    // What was applied before a restart keeps its drift baseline.
    baselinesFor: async (cluster, namespace) =>
      (await store.listNamespaceInventories(cluster, namespace)).map(i => ({
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
  const routing = createRoutingDriver(
    (settings?.getOptionalString('features.routing.driver') ??
      'istio') as 'istio',
    {
      logger: logger.child({ component: 'routing' }),
      headerName,
      baggage: settings?.getOptionalBoolean('features.routing.baggage'),
    },
  );
  // Routing's own writes to a chart's VirtualService are not drift of its release.
  routing.events.on('releaseObjectWritten', write =>
    store
      .getEnvironment(write.environment)
      .then(
        env => env && recordOwnGenerations({ store, watchers }, env, [write]),
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
  const desired = new DesiredState({ store, renderer, routing, placement });
  const featureRollout = new FeatureRollout({
    store,
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
      headerName,
    },
  });
  const events = new OperationEvents();
  events.on('serviceApplied', ({ environment, service }) =>
    featureRollout.restoreRoutes(environment, service),
  );
  const groups = new StartupGroups({ store, watchers, readyTimeoutMs });
  const rollout = new EnvironmentRollout({
    store,
    clusters,
    groups,
    executors: {
      converge: new ConvergeExecutor({
        store,
        clusters,
        desired,
        applier,
        watchers,
        groups,
        parallelism,
        events,
      }),
      scale: new ScaleExecutor({ store, watchers, groups, parallelism }),
      delete: new DeleteExecutor({ store, applier, watchers }),
    },
  });
  const runner = new OperationRunner({
    store,
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
  const operations = new OperationQueries({ store });
  const environments = new EnvironmentCommands({
    store,
    clusters,
    desired,
    applier,
    rollout,
    runner,
    operations,
  });
  const features = new FeatureCommands({
    store,
    clusters,
    rollout: featureRollout,
    desired,
    runner,
    logger,
    settings: {
      defaultTtlHours:
        settings?.getOptionalNumber('features.defaultTtlHours') ?? 72,
      headerName,
    },
  });
  const tracer = new RouteTracer({ store, clusters, desired });
  return {
    store,
    clusters,
    renderer,
    applier,
    watchers,
    routing,
    runner,
    events,
    registry: new ServiceRegistry({ store, importer }),
    environments,
    reader: new EnvironmentReader({ store, desired, operations }),
    status: new EnvironmentStatusReader({ store, clusters, watchers }),
    differ: new EnvironmentDiffer({ store, clusters, desired, applier }),
    operations,
    features,
    tracer,
    async close() {
      await runner.stop();
      await watchers.stopAll();
      await renderer.close();
    },
  };
}
