import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  FeatureIsolationHook,
  environmentPermissionResourceRef,
  environmentsFeatureIsolationExtensionPoint,
  environmentsPartsExtensionPoint,
  environmentsServiceBridgeRef,
  featureBranchPermissionResourceRef,
} from '@envmesh/plugin-environments-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  EnvironmentsPartFactories,
  createEnvironmentsBackend,
} from './engine/createEnvironmentsBackend';
import { EnvironmentSeeder } from './seed/EnvironmentSeeder';
import { isolationHooksFromConfig } from './features';
import { FeatureNotifier } from './notifications/FeatureNotifier';
import { LifecycleNotifier } from './notifications/LifecycleNotifier';
import { LifecycleTask } from './tasks/LifecycleTask';
import { publishOperationEvents } from './notifications/publishOperationEvents';
import {
  AccessResources,
  Authorizer,
  GuardedCommands,
  GuardedQueries,
  registerPermissions,
} from './access';
import { createRouter } from './router/createRouter';
import { kubernetesPluginClustersServiceRef } from './clusters';
import { createDatabaseStores } from './store';
import {
  featureNameFromBranch,
  PushDeployer,
  webhookSettingsFromConfig,
} from './webhooks';

/**
 * The envmesh environments engine and its REST API.
 *
 * @public
 */
export const environmentsPlugin = createBackendPlugin({
  pluginId: 'environments',
  register(env) {
    const addedHooks: FeatureIsolationHook[] = [];
    env.registerExtensionPoint(environmentsFeatureIsolationExtensionPoint, {
      addHook(...hooks) {
        addedHooks.push(...hooks);
      },
    });
    const partFactories: EnvironmentsPartFactories = {};
    // Each part has one factory: two modules setting the same one would silently depend on their order.
    const setOnce =
      <K extends keyof EnvironmentsPartFactories>(key: K, what: string) =>
      (factory: NonNullable<EnvironmentsPartFactories[K]>) => {
        if (partFactories[key]) {
          throw new Error(
            `a ${what} was already set for the environments backend`,
          );
        }
        partFactories[key] = factory;
      };
    env.registerExtensionPoint(environmentsPartsExtensionPoint, {
      setRenderer: setOnce('renderer', 'renderer'),
      setClusterSupplier: setOnce('clusterSupplier', 'cluster supplier'),
      setRoutingDriver: setOnce('routingDriver', 'routing driver'),
      setCostSource: setOnce('costSource', 'cost source'),
      setActivitySource: setOnce('activitySource', 'activity source'),
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        urlReader: coreServices.urlReader,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        notifications: notificationService,
        environmentsBridge: environmentsServiceBridgeRef,
        events: eventsServiceRef,
        kubernetesClusters: kubernetesPluginClustersServiceRef,
      },
      async init(deps) {
        const { config, logger, lifecycle } = deps;
        const stores = await createDatabaseStores({
          database: deps.database,
        });
        const builtInHooks = isolationHooksFromConfig(config);
        const notifier = new FeatureNotifier({
          notifications: deps.notifications,
          features: stores.features,
          baseUrl: config.getOptionalString('app.baseUrl') ?? '',
          logger: logger.child({ component: 'notifications' }),
        });
        const backend = await createEnvironmentsBackend({
          config,
          logger,
          stores,
          urlReader: deps.urlReader,
          catalog: deps.catalog,
          isolationHooks: () => [...builtInHooks, ...addedHooks],
          parts: partFactories,
          kubernetesPlugin: {
            clusters: deps.kubernetesClusters,
            auth: deps.auth,
            scheduler: deps.scheduler,
            frequency: {
              seconds:
                config.getOptionalNumber(
                  'environments.clusters.refreshIntervalSeconds',
                ) ?? 60,
            },
          },
        });
        backend.events.on('operationFinished', ({ operation, outcome }) =>
          operation.feature
            ? notifier.operationFinished(operation, outcome)
            : undefined,
        );
        publishOperationEvents(backend.events, deps.events);
        const { reader, status, operations, features, runner } = backend;
        // One authorization path: every caller's mutations and reads, by the rules of envmesh's resources.
        const resources = new AccessResources(stores);
        registerPermissions(deps.permissionsRegistry, resources);
        const authorizer = new Authorizer({
          permissions: deps.permissions,
          resources,
          rules: {
            environment: deps.permissionsRegistry.getPermissionRuleset(
              environmentPermissionResourceRef,
            ),
            feature: deps.permissionsRegistry.getPermissionRuleset(
              featureBranchPermissionResourceRef,
            ),
          },
        });
        const commands = new GuardedCommands({
          ...backend,
          activity: stores.lifecycle,
          authorizer,
          resources,
          auditor: deps.auditor,
        });
        const queries = new GuardedQueries({
          authorizer,
          resources,
          auditor: deps.auditor,
          operations: stores.operations,
        });

        const webhookSettings = webhookSettingsFromConfig(config);
        const featureNameOf = (branch: string) =>
          featureNameFromBranch(branch, {
            pattern: webhookSettings.branchPattern,
            template: webhookSettings.featureName,
          });
        const pushDeployer = new PushDeployer({
          settings: webhookSettings,
          commands,
          featureStore: stores.features,
          registry: stores.registry,
          catalog: deps.catalog,
          auth: deps.auth,
          notifier,
          logger: logger.child({ component: 'webhooks' }),
        });

        // Other plugins of this backend call the engine in process, through the same guarded commands and queries.
        deps.environmentsBridge.attach({
          listEnvironments: caller =>
            queries.listEnvironments(caller, () => status.listEnvironments()),
          getEnvironment: (name, caller) =>
            queries.environment(caller, name, 'get', () =>
              reader.getEnvironment(name),
            ),
          createEnvironment: (body, { credentials }) =>
            commands.createEnvironment(body, { credentials }),
          copyEnvironment: (source, body, { credentials }) =>
            commands.copyEnvironment(source, body, { credentials }),
          exportEnvironment: (name, caller) =>
            queries.environment(caller, name, 'export', () =>
              backend.exporter.exportEnvironment(name),
            ),
          getOperation: (id, caller) =>
            queries.operation(caller, id, 'operation', () =>
              operations.getOperation(id),
            ),
          listFeatures: ({ environment, ...caller }) =>
            queries.listFeatures(caller, () =>
              features.listFeatures(environment),
            ),
          getFeature: (name, caller) =>
            queries.feature(caller, name, 'get', () =>
              features.getFeature(name),
            ),
          getEnvironmentReachability: (name, { entry, instances, ...caller }) =>
            queries.environment(caller, name, 'reachability', () =>
              backend.reachability.preflight(name, {
                entry,
                instances,
                credentials: caller.credentials,
              }),
            ),
          deployFeature: (body, { credentials }) =>
            commands.deployFeature(body, { credentials }),
          removeFeature: (name, { credentials, services }) =>
            commands.removeFeature(name, { credentials }, services),
          // The push webhooks' rule, so that templates name a branch's feature as a push would.
          featureNameFromBranch: async branch => featureNameOf(branch),
        });
        deps.httpRouter.addAuthPolicy({
          path: '/webhooks',
          allow: 'unauthenticated',
        });
        deps.httpRouter.use(
          await createRouter({
            ...backend,
            webhooks: pushDeployer.router(),
            featureNameFromBranch: featureNameOf,
            commands,
            queries,
            httpAuth: deps.httpAuth,
          }),
        );

        await new LifecycleTask({
          commands,
          environments: stores.environments,
          features: stores.features,
          lifecycle: stores.lifecycle,
          notifier: new LifecycleNotifier({
            notifications: deps.notifications,
            baseUrl: config.getOptionalString('app.baseUrl') ?? '',
            logger: logger.child({ component: 'notifications' }),
          }),
          auth: deps.auth,
          logger: logger.child({ component: 'lifecycle' }),
          config: backend.lifecycleRules,
          activity: backend.activity,
        }).schedule(deps.scheduler);

        const seeder = EnvironmentSeeder.fromConfig(config, {
          commands,
          status,
          features,
          auth: deps.auth,
          logger,
        });
        lifecycle.addStartupHook(() => {
          runner.start();
          seeder?.run().catch(error => logger.error(`seed failed: ${error}`));
        });
        lifecycle.addShutdownHook(() => backend.close());
      },
    });
  },
});
