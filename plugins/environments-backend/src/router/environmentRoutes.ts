import type { ApiRouter } from '../schema/openApiRouter';
import type { RouterOptions } from './createRouter';
import { CallerOf, pathReads } from './pathReads';

/** Environments, their services, Secrets and revisions, and the operations they run. */
export function addEnvironmentRoutes(
  router: ApiRouter,
  options: RouterOptions,
  callerOf: CallerOf,
) {
  const {
    commands,
    queries,
    reader,
    status,
    differ,
    exporter,
    tracer,
    reachability,
    costs,
    operations,
    lifecycleReader,
  } = options;
  /** A read of the environment the path names. */
  const read = pathReads(callerOf, 'name', (...args) =>
    queries.environment(...args),
  );

  router.get('/environments', async (req, res) => {
    const items = await queries.listEnvironments(await callerOf(req), () =>
      status.listEnvironments(),
    );
    res.json({ items });
  });
  router.post('/environments', async (req, res) => {
    res
      .status(202)
      .json(await commands.createEnvironment(req.body, await callerOf(req)));
  });
  router.get('/environments/:name', async (req, res) => {
    res.json(await read(req, 'get', name => reader.getEnvironment(name)));
  });
  router.patch('/environments/:name', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(
        await commands.updateEnvironment(req.params.name, req.body, caller),
      );
  });
  router.delete('/environments/:name', async (req, res) => {
    const caller = await callerOf(req);
    // A boolean: the spec validates (and converts) query parameters.
    const cascade = req.query.cascade === true;
    res
      .status(202)
      .json(
        await commands.deleteEnvironment(req.params.name, caller, { cascade }),
      );
  });
  router.post('/environments/:name/copy', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.copyEnvironment(req.params.name, req.body, caller));
  });
  router.put('/environments/:name/secrets/:secret', async (req, res) => {
    const { name, secret } = req.params;
    await commands.writeSecretValues(
      name,
      secret,
      req.body,
      await callerOf(req),
    );
    res.status(204).end();
  });
  router.post('/environments/:name/sleep', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.sleepEnvironment(req.params.name, caller));
  });
  router.post('/environments/:name/wake', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.wakeEnvironment(req.params.name, req.body, caller));
  });
  router.get('/environments/:name/lifecycle', async (req, res) => {
    res.json(
      await read(req, 'lifecycle', name => lifecycleReader.getLifecycle(name)),
    );
  });
  // A change of the lifecycle answers with it, as a change of an environment answers with its operation.
  router.put('/environments/:name/lifecycle', async (req, res) => {
    const { name } = req.params;
    await commands.updateLifecycle(name, req.body, await callerOf(req));
    res.json(await lifecycleReader.getLifecycle(name));
  });
  router.post('/environments/:name/keep', async (req, res) => {
    const { name } = req.params;
    await commands.keepEnvironment(name, await callerOf(req));
    res.json(await lifecycleReader.getLifecycle(name));
  });

  router.post('/environments/:name/diff', async (req, res) => {
    res.json(
      await read(req, 'diff', name => differ.diffEnvironment(name, req.body)),
    );
  });
  router.post('/environments/:name/routes/trace', async (req, res) => {
    res.json(await read(req, 'trace', name => tracer.trace(name, req.body)));
  });
  router.get('/environments/:name/reachability', async (req, res) => {
    const { entry, instances } = req.query;
    res.json(
      await read(req, 'reachability', (name, { credentials }) =>
        reachability.preflight(name, {
          entry,
          instances: instances && [instances].flat(),
          credentials,
        }),
      ),
    );
  });
  router.get('/environments/:name/cost', async (req, res) => {
    res.json(
      await read(req, 'cost', name => costs.environmentCost(name, req.query)),
    );
  });
  router.get('/environments/:name/status', async (req, res) => {
    res.json(await read(req, 'status', name => status.getStatus(name)));
  });
  router.get('/environments/:name/export', async (req, res) => {
    res.json(
      await read(req, 'export', name => exporter.exportEnvironment(name)),
    );
  });

  // ---- services of an environment ----
  router.get(
    '/environments/:name/services/:service/values',
    async (req, res) => {
      const { service } = req.params;
      res.json(
        await read(req, 'values', name =>
          reader.getServiceValues(name, service),
        ),
      );
    },
  );
  router.get(
    '/environments/:name/services/:service/manifest',
    async (req, res) => {
      // Render first: an error must not go out labelled as YAML.
      const { service } = req.params;
      const manifest = await read(req, 'manifest', name =>
        reader.getServiceManifest(name, service),
      );
      res.type('application/yaml').send(manifest);
    },
  );
  router.get('/environments/:name/revisions', async (req, res) => {
    const service =
      typeof req.query.service === 'string' ? req.query.service : undefined;
    res.json({
      items: await read(req, 'revisions', name =>
        reader.listRevisions(name, service),
      ),
    });
  });
  router.post(
    '/environments/:name/services/:service/rollback',
    async (req, res) => {
      const { name, service } = req.params;
      const caller = await callerOf(req);
      res
        .status(202)
        .json(await commands.rollbackService(name, service, req.body, caller));
    },
  );

  // ---- operations ----
  router.get('/environments/:name/operations', async (req, res) => {
    res.json({
      items: await read(req, 'operations', name =>
        operations.listOperations(name),
      ),
    });
  });
  router.get('/operations/:id', async (req, res) => {
    const { id } = req.params;
    res.json(
      await queries.operation(await callerOf(req), id, 'operation', () =>
        operations.getOperation(id),
      ),
    );
  });
  router.get('/operations/:id/logs', async (req, res) => {
    // An integer: the spec validates (and converts) query parameters.
    const after =
      req.query.after === undefined ? undefined : Number(req.query.after);
    const { id } = req.params;
    res.json({
      items: await queries.operation(await callerOf(req), id, 'logs', () =>
        operations.getOperationLogs(id, after),
      ),
    });
  });
  router.post('/operations/:id/cancel', async (req, res) => {
    res.json(
      await commands.cancelOperation(req.params.id, await callerOf(req)),
    );
  });
}
