import { LoggerService, UrlReaderService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import type { FeatureIsolationHook } from '@envmesh/plugin-environments-node';
import { ReleaseApplier, formatRef } from '../apply';
import { ClusterRegistry } from '../clusters/ClusterRegistry';
import { placementFromConfig } from '../features';
import { EnvironmentRollout } from '../orchestrate/EnvironmentRollout';
import { FeatureRollout } from '../orchestrate/FeatureRollout';
import { recordOwnGenerations } from '../orchestrate/ownGenerations';
import {
  OperationOutcome,
  OperationRunner,
} from '../orchestrate/OperationRunner';
import { ServiceReleaseRenderer } from '../orchestrate/ServiceReleaseRenderer';
import { ServiceImporter } from '../registry';
import { HelmRenderer } from '../render';
import { RoutingDriver, createRoutingDriver } from '../routing';
import { DatabaseEnvironmentStore } from '../store';
import type { StoredOperation } from '../store';
import { NamespaceWatchers } from '../watch';
import { EnvironmentsEngine } from './EnvironmentsEngine';
import { FeatureBranchesEngine } from './FeatureBranchesEngine';
import { RouteTracer } from './RouteTracer';

/** The engine's parts, wired from config; the backend plugin and the benchmarks build it the same way. */
export interface EnvironmentsBackend {
  store: DatabaseEnvironmentStore;
  clusters: ClusterRegistry;
  renderer: HelmRenderer;
  applier: ReleaseApplier;
  watchers: NamespaceWatchers;
  routing: RoutingDriver;
  runner: OperationRunner;
  engine: EnvironmentsEngine;
  features: FeatureBranchesEngine;
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
  /** Told once a feature operation ended for good (not when it is left to resume elsewhere). */
  onFeatureOperationEnded?: (
    operation: StoredOperation,
    outcome: OperationOutcome,
  ) => Promise<void>;
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
    concurrency: settings?.getOptionalNumber('render.concurrency') ?? 4,
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
  const releases = new ServiceReleaseRenderer({ store, renderer, routing });
  const featureRollout = new FeatureRollout({
    store,
    clusters,
    releases,
    applier,
    watchers,
    routing,
    isolationHooks: options.isolationHooks ?? (() => []),
    settings: {
      parallelism,
      readyTimeoutMs,
      placement: placementFromConfig(settings?.getOptionalConfig('features')),
      headerName,
    },
  });
  const rollout = new EnvironmentRollout({
    store,
    clusters,
    renderer,
    applier,
    watchers,
    routing,
    settings: { parallelism, readyTimeoutMs },
    afterServiceApplied: (spec, service) =>
      featureRollout.restoreRoutes(spec, service),
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
    onFinished: async (operation, outcome) => {
      if (operation.feature) {
        await options.onFeatureOperationEnded?.(operation, outcome);
      }
    },
    leaseMs:
      (settings?.getOptionalNumber('operations.leaseSeconds') ?? 15) * 1000,
    concurrency: settings?.getOptionalNumber('operations.concurrency') ?? 4,
  });
  const engine = new EnvironmentsEngine({
    store,
    clusters,
    releases,
    applier,
    watchers,
    importer,
    rollout,
    runner,
    logger,
  });
  const features = new FeatureBranchesEngine({
    store,
    clusters,
    rollout: featureRollout,
    releases,
    runner,
    logger,
    settings: {
      defaultTtlHours:
        settings?.getOptionalNumber('features.defaultTtlHours') ?? 72,
      headerName,
    },
  });
  const tracer = new RouteTracer({ store, clusters, releases });
  return {
    store,
    clusters,
    renderer,
    applier,
    watchers,
    routing,
    runner,
    engine,
    features,
    tracer,
    async close() {
      await runner.stop();
      await watchers.stopAll();
      await renderer.close();
    },
  };
}
