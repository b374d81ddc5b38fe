import { HttpAuthService } from '@backstage/backend-plugin-api';
import express from 'express';
import type { GuardedCommands, GuardedQueries } from '../access';
import type { ServiceRegistry } from '../commands/ServiceRegistry';
import type { EnvironmentsBackend } from '../engine/createEnvironmentsBackend';
import { createOpenApiRouter } from '../schema/openApiRouter';
import { jsonBody, noOperation, unsupportedMediaType } from './requestErrors';
import { addEnvironmentRoutes } from './environmentRoutes';
import { addFeatureRoutes } from './featureRoutes';
import type { CallerOf } from './pathReads';

/** The engine's queries the routes read from, the guarded commands and queries, and the HTTP parts. */
export type RouterOptions = Pick<
  EnvironmentsBackend,
  | 'clusters'
  | 'reader'
  | 'status'
  | 'differ'
  | 'exporter'
  | 'operations'
  | 'features'
  | 'reachability'
  | 'tracer'
  | 'costs'
  | 'lifecycleReader'
> & {
  /** Every mutation, authorized and audited. */
  commands: GuardedCommands;
  /** Every read's authorization and audit. */
  queries: GuardedQueries;
  registry: Pick<ServiceRegistry, 'listServices'>;
  /** The feature name a branch deploys as by the push webhooks' rule. */
  featureNameFromBranch: (branch: string) => string | undefined;
  /** The push webhooks (unauthenticated, signature-checked, raw bodies): mounted before the typed router. */
  webhooks?: express.Router;
  httpAuth: HttpAuthService;
};

/**
 * The REST API, typed by and validated against src/schema/openapi.yaml (path and query parameters, JSON
 * bodies; the bodies themselves are validated by the engine's zod schemas so that a 400 names the field).
 * Reads go to the queries; every mutation goes through the guarded commands (authorized and audited, like
 * any other caller's) and is answered with the operation it started.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const router = await createOpenApiRouter({
    middleware: [jsonBody({ limit: '5mb' })],
  });
  const root = express.Router();
  if (options.webhooks) root.use(options.webhooks);
  root.use(router);
  root.use(noOperation);
  root.use(unsupportedMediaType);

  const callerOf: CallerOf = async req => ({
    credentials: await options.httpAuth.credentials(req),
    request: req,
  });
  const { clusters, registry, commands } = options;

  router.get('/clusters', async (_req, res) => {
    res.json({ items: clusters.list() });
  });
  router.get('/clusters/:name/status', async (req, res) => {
    res.json(await clusters.status(req.params.name));
  });
  router.get('/services', async (_req, res) => {
    res.json({ items: await registry.listServices() });
  });
  router.post('/services/import', async (req, res) => {
    res.json(await commands.importServices(req.body, await callerOf(req)));
  });
  addEnvironmentRoutes(router, options, callerOf);
  addFeatureRoutes(router, options, callerOf);
  return root;
}
