import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  environmentCreatePermission,
  environmentDeletePermission,
  environmentSecretWritePermission,
  environmentUpdatePermission,
  featureCreatePermission,
} from '@envmesh/plugin-environments-common';
import express, { Request } from 'express';
import type { ClusterSupplier } from './clusters';
import { EnvironmentCommands } from './commands/EnvironmentCommands';
import { ServiceRegistry } from './commands/ServiceRegistry';
import { EnvironmentDiffer } from './queries/EnvironmentDiffer';
import { EnvironmentExporter } from './queries/EnvironmentExporter';
import { FeatureReachabilityReader } from './queries/FeatureReachabilityReader';
import { EnvironmentReader } from './queries/EnvironmentReader';
import { EnvironmentStatusReader } from './queries/EnvironmentStatusReader';
import { OperationQueries } from './queries/OperationQueries';
import { FeatureCommands } from './commands/FeatureCommands';
import { RouteTracer } from './queries/RouteTracer';
import {
  actorOf,
  hasSecretValues,
  MutationAuthorizer,
} from './access/authorization';
import {
  parseInput,
  rollbackInput,
  secretValuesInput,
} from './requests/validation';
import { createOpenApiRouter } from './schema/openApiRouter';

export interface RouterOptions {
  clusters: ClusterSupplier;
  registry: ServiceRegistry;
  environments: EnvironmentCommands;
  reader: EnvironmentReader;
  status: EnvironmentStatusReader;
  differ: EnvironmentDiffer;
  exporter: EnvironmentExporter;
  operations: OperationQueries;
  features: FeatureCommands;
  reachability: FeatureReachabilityReader;
  tracer: RouteTracer;
  /** The feature name a branch deploys as by the push webhooks' rule. */
  featureNameFromBranch: (branch: string) => string | undefined;
  /** The push webhooks (unauthenticated, signature-checked, raw bodies): mounted before the typed router. */
  webhooks?: express.Router;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
}

/**
 * The REST API, typed by and validated against src/schema/openapi.yaml (path and query parameters, JSON
 * bodies; the bodies themselves are validated by the engine's zod schemas so that a 400 names the field).
 * Reads go straight to the engine; every mutation is authorized, audited, and answered with the operation it
 * started.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    clusters,
    registry,
    environments,
    reader,
    status,
    differ,
    exporter,
    operations,
    features,
    reachability,
    tracer,
    httpAuth,
    permissions,
    auditor,
  } = options;
  const router = await createOpenApiRouter({
    middleware: [express.json({ limit: '5mb' })],
  });
  const root = express.Router();
  if (options.webhooks) root.use(options.webhooks);
  root.use(router);

  const authorizer = new MutationAuthorizer({ permissions, reader });
  /** Authorizes the request's caller and answers its credentials. */
  async function authorize(
    req: Request,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req);
    await authorizer.authorize(credentials, permission, resourceRef);
    return credentials;
  }

  /**
   * Runs a mutation inside an auditor event: who did what to which environment, and how it ended. `run`
   * authorizes first, inside the event, so that a denied attempt is audited as failed too.
   */
  async function mutation<T>(
    req: Request,
    actionType: string,
    target: Record<string, unknown>,
    run: () => Promise<T>,
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId: 'environment-mutate',
      severityLevel: 'medium',
      request: req,
      meta: { actionType, ...target },
    });
    try {
      const result = await run();
      await event.success({ meta: { actionType, ...target } });
      return result;
    } catch (error) {
      await event.fail({
        error: error as Error,
        meta: { actionType, ...target },
      });
      throw error;
    }
  }

  // ---- clusters ----
  router.get('/clusters', async (_req, res) => {
    res.json({ items: clusters.list() });
  });
  router.get('/clusters/:name/status', async (req, res) => {
    res.json(await clusters.status(req.params.name));
  });

  // ---- service registry ----
  router.get('/services', async (_req, res) => {
    res.json({ items: await registry.listServices() });
  });
  router.post('/services/import', async (req, res) => {
    const result = await mutation(
      req,
      'import-services',
      { source: req.body?.source?.location },
      async () => {
        await authorize(req, environmentCreatePermission);
        return registry.importServices(req.body);
      },
    );
    res.json(result);
  });

  // ---- environments ----
  router.get('/environments', async (_req, res) => {
    res.json({ items: await status.listEnvironments() });
  });
  router.post('/environments', async (req, res) => {
    const operation = await mutation(
      req,
      'create',
      { environment: req.body?.name },
      async () => {
        const credentials = await httpAuth.credentials(req);
        await authorizer.createEnvironment(credentials, req.body);
        return environments.createEnvironment(req.body, actorOf(credentials));
      },
    );
    res.status(202).json(operation);
  });
  router.get('/environments/:name', async (req, res) => {
    res.json(await reader.getEnvironment(req.params.name));
  });
  router.patch('/environments/:name', async (req, res) => {
    const { name } = req.params;
    const operation = await mutation(
      req,
      'update',
      { environment: name },
      async () => {
        const credentials = await authorize(
          req,
          environmentUpdatePermission,
          name,
        );
        if (hasSecretValues(req.body)) {
          await authorize(req, environmentSecretWritePermission, name);
        }
        return environments.updateEnvironment(
          name,
          req.body,
          actorOf(credentials),
        );
      },
    );
    res.status(202).json(operation);
  });
  router.delete('/environments/:name', async (req, res) => {
    const { name } = req.params;
    const operation = await mutation(
      req,
      'delete',
      { environment: name },
      async () => {
        const credentials = await authorize(
          req,
          environmentDeletePermission,
          name,
        );
        return environments.deleteEnvironment(name, actorOf(credentials));
      },
    );
    res.status(202).json(operation);
  });
  router.post('/environments/:name/diff', async (req, res) => {
    res.json(await differ.diffEnvironment(req.params.name, req.body));
  });
  router.get(
    '/features/:feature/instances/:service/values',
    async (req, res) => {
      res.json(
        await features.getInstanceValues(
          req.params.feature,
          req.params.service,
        ),
      );
    },
  );
  router.post('/environments/:name/routes/trace', async (req, res) => {
    res.json(await tracer.trace(req.params.name, req.body));
  });
  router.get('/environments/:name/status', async (req, res) => {
    res.json(await status.getStatus(req.params.name));
  });
  router.post('/environments/:name/copy', async (req, res) => {
    const from = req.params.name;
    const operation = await mutation(
      req,
      'copy',
      { environment: req.body?.name, from },
      async () => {
        const credentials = await httpAuth.credentials(req);
        await authorizer.copyEnvironment(credentials, from, req.body);
        return environments.copyEnvironment(
          from,
          req.body,
          actorOf(credentials),
        );
      },
    );
    res.status(202).json(operation);
  });
  router.put('/environments/:name/secrets/:secret', async (req, res) => {
    const { name, secret } = req.params;
    // The key names are audited, never the values.
    const keys = isObject(req.body?.values) ? Object.keys(req.body.values) : [];
    await mutation(
      req,
      'write-secret',
      { environment: name, secret, keys },
      async () => {
        await authorize(req, environmentSecretWritePermission, name);
        const { values } = parseInput(secretValuesInput, req.body);
        await environments.writeSecretValues(name, secret, values);
      },
    );
    res.status(204).end();
  });

  // ---- services of an environment ----
  router.get(
    '/environments/:name/services/:service/values',
    async (req, res) => {
      res.json(
        await reader.getServiceValues(req.params.name, req.params.service),
      );
    },
  );
  router.get(
    '/environments/:name/services/:service/manifest',
    async (req, res) => {
      // Render first: an error must not go out labelled as YAML.
      const manifest = await reader.getServiceManifest(
        req.params.name,
        req.params.service,
      );
      res.type('application/yaml').send(manifest);
    },
  );
  router.get('/environments/:name/export', async (req, res) => {
    res.json(await exporter.exportEnvironment(req.params.name));
  });
  router.get('/environments/:name/revisions', async (req, res) => {
    const service =
      typeof req.query.service === 'string' ? req.query.service : undefined;
    res.json({ items: await reader.listRevisions(req.params.name, service) });
  });
  router.post(
    '/environments/:name/services/:service/rollback',
    async (req, res) => {
      const { name, service } = req.params;
      const operation = await mutation(
        req,
        'rollback',
        { environment: name, service, revision: req.body?.revision },
        async () => {
          const credentials = await authorize(
            req,
            environmentUpdatePermission,
            name,
          );
          const { revision } = parseInput(rollbackInput, req.body);
          return environments.rollbackService(
            name,
            service,
            revision,
            actorOf(credentials),
          );
        },
      );
      res.status(202).json(operation);
    },
  );

  router.post('/environments/:name/sleep', async (req, res) => {
    const { name } = req.params;
    const operation = await mutation(
      req,
      'sleep',
      { environment: name },
      async () => {
        const credentials = await authorize(
          req,
          environmentUpdatePermission,
          name,
        );
        return environments.sleepEnvironment(name, actorOf(credentials));
      },
    );
    res.status(202).json(operation);
  });
  router.post('/environments/:name/wake', async (req, res) => {
    const { name } = req.params;
    const operation = await mutation(
      req,
      'wake',
      { environment: name },
      async () => {
        const credentials = await authorize(
          req,
          environmentUpdatePermission,
          name,
        );
        return environments.wakeEnvironment(name, actorOf(credentials));
      },
    );
    res.status(202).json(operation);
  });

  // ---- operations ----
  router.get('/environments/:name/operations', async (req, res) => {
    res.json({ items: await operations.listOperations(req.params.name) });
  });
  router.get('/operations/:id', async (req, res) => {
    res.json(await operations.getOperation(req.params.id));
  });
  router.get('/operations/:id/logs', async (req, res) => {
    // An integer: the spec validates (and converts) query parameters.
    const after =
      req.query.after === undefined ? undefined : Number(req.query.after);
    res.json({
      items: await operations.getOperationLogs(req.params.id, after),
    });
  });
  router.post('/operations/:id/cancel', async (req, res) => {
    const current = await operations.getOperation(req.params.id);
    const operation = await mutation(
      req,
      'cancel',
      { environment: current.environment, operation: current.id },
      async () => {
        await authorize(req, environmentUpdatePermission, current.environment);
        return environments.cancelOperation(req.params.id);
      },
    );
    res.json(operation);
  });

  // ---- feature branches ----
  router.get('/feature-name', async (req, res) => {
    const name = options.featureNameFromBranch(String(req.query.branch));
    res.json(name === undefined ? {} : { name });
  });
  router.get('/features', async (req, res) => {
    const environment =
      typeof req.query.environment === 'string'
        ? req.query.environment
        : undefined;
    res.json({ items: await features.listFeatures(environment) });
  });
  router.post('/features', async (req, res) => {
    const result = await mutation(
      req,
      'deploy-feature',
      { feature: req.body?.name, environment: req.body?.environment },
      async () => {
        const credentials = await httpAuth.credentials(req);
        await authorizer.deployFeature(credentials);
        return features.deployFeature(req.body, actorOf(credentials));
      },
    );
    res.status(202).json(result);
  });
  router.get('/features/:feature/reachability', async (req, res) => {
    res.json(
      await reachability.reachability(req.params.feature, {
        entry: req.query.entry,
        credentials: await httpAuth.credentials(req),
      }),
    );
  });
  router.get('/features/:feature', async (req, res) => {
    res.json(await features.getFeature(req.params.feature));
  });
  router.delete('/features/:feature', async (req, res) => {
    const { feature: name } = req.params;
    const services = req.query.service?.length
      ? [req.query.service].flat()
      : undefined;
    const operation = await mutation(
      req,
      'remove-feature',
      { feature: name, ...(services ? { services } : {}) },
      async () => {
        const credentials = await httpAuth.credentials(req);
        await authorizer.removeFeature(credentials);
        return features.removeFeature(name, actorOf(credentials), services);
      },
    );
    res.status(202).json(operation);
  });
  router.delete('/features/:feature/instances/:service', async (req, res) => {
    const { feature: name, service } = req.params;
    const operation = await mutation(
      req,
      'remove-feature',
      { feature: name, service },
      async () => {
        const credentials = await httpAuth.credentials(req);
        await authorizer.removeFeature(credentials);
        return features.removeFeature(name, actorOf(credentials), [service]);
      },
    );
    res.status(202).json(operation);
  });
  router.post('/features/:feature/extend', async (req, res) => {
    const { feature: name } = req.params;
    const feature = await mutation(
      req,
      'extend-feature',
      { feature: name },
      async () => {
        await authorize(req, featureCreatePermission);
        return features.extendFeature(name, req.body);
      },
    );
    res.json(feature);
  });
  router.get('/features/:feature/operations', async (req, res) => {
    res.json({ items: await features.listOperations(req.params.feature) });
  });

  return root;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
