import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { environmentsPermissions } from '@envmesh/plugin-environments-common';
import { environmentsServiceRef } from '@envmesh/plugin-environments-node';
import { ReleaseApplier } from './apply';
import { ClusterRegistry } from './clusters/ClusterRegistry';
import { EnvironmentSeeder } from './engine/EnvironmentSeeder';
import { EnvironmentsEngine } from './engine/EnvironmentsEngine';
import { EnvironmentRollout } from './orchestrate/EnvironmentRollout';
import { OperationRunner } from './orchestrate/OperationRunner';
import { ServiceImporter } from './registry';
import { HelmRenderer } from './render';
import { createRouter } from './router';
import { DatabaseEnvironmentStore } from './store';
import { NamespaceWatchers } from './watch';

/**
 * The envmesh environments engine and its REST API.
 *
 * @public
 */
export const environmentsPlugin = createBackendPlugin({
  pluginId: 'environments',
  register(env) {
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
        urlReader: coreServices.urlReader,
        environmentsBridge: environmentsServiceRef,
      },
      async init(deps) {
        const { config, logger, lifecycle } = deps;
        const settings = config.getOptionalConfig('environments');
        const helmBinary = settings?.getOptionalString('helm.binary') ?? 'helm';

        const store = await DatabaseEnvironmentStore.create({
          database: deps.database,
        });
        const clusters = ClusterRegistry.fromConfig(config);
        const renderer = new HelmRenderer({
          helmBinary,
          concurrency: settings?.getOptionalNumber('render.concurrency') ?? 4,
        });
        const applier = new ReleaseApplier({ logger });
        const watchers = new NamespaceWatchers({
          kubeConfigFor: name => clusters.kubeConfig(name),
          logger,
        });
        const importer = new ServiceImporter({
          renderer,
          helmBinary,
          urlReader: deps.urlReader,
          logger,
        });
        const rollout = new EnvironmentRollout({
          store,
          clusters,
          renderer,
          applier,
          watchers,
          settings: {
            parallelism:
              settings?.getOptionalNumber('rollout.parallelism') ?? 8,
            readyTimeoutMs:
              (settings?.getOptionalNumber('rollout.readyTimeoutSeconds') ??
                300) * 1000,
          },
        });
        const runner = new OperationRunner({
          store,
          logger: logger.child({ component: 'operations' }),
          execute: (operation, context) => rollout.execute(operation, context),
          leaseMs:
            (settings?.getOptionalNumber('operations.leaseSeconds') ?? 15) *
            1000,
          concurrency:
            settings?.getOptionalNumber('operations.concurrency') ?? 4,
        });
        const engine = new EnvironmentsEngine({
          store,
          clusters,
          renderer,
          applier,
          watchers,
          importer,
          rollout,
          runner,
          logger,
        });

        deps.permissionsRegistry.addPermissions(environmentsPermissions);
        deps.environmentsBridge.attach(engine);
        deps.httpRouter.use(
          await createRouter({
            clusters,
            engine,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
          }),
        );

        const seeder = EnvironmentSeeder.fromConfig(config, { engine, logger });
        lifecycle.addStartupHook(() => {
          runner.start();
          seeder?.run().catch(error => logger.error(`seed failed: ${error}`));
        });
        lifecycle.addShutdownHook(async () => {
          await runner.stop();
          await watchers.stopAll();
          await renderer.close();
        });
      },
    });
  },
});
