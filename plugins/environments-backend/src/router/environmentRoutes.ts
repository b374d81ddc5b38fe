import type { ApiRouter } from '../schema/openApiRouter';
import type { CallerOf, RouterOptions } from './createRouter';

/** Environments, their services, Secrets and revisions, and the operations they run. */
export function addEnvironmentRoutes(
  router: ApiRouter,
  options: RouterOptions,
  callerOf: CallerOf,
) {
  const { commands, reader, status, differ, exporter, tracer, operations } =
    options;

  router.get('/environments', async (_req, res) => {
    res.json({ items: await status.listEnvironments() });
  });
  router.post('/environments', async (req, res) => {
    res
      .status(202)
      .json(await commands.createEnvironment(req.body, await callerOf(req)));
  });
  router.get('/environments/:name', async (req, res) => {
    res.json(await reader.getEnvironment(req.params.name));
  });
  router.patch('/environments/:name', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.updateEnvironment(req.params.name, req.body, caller));
  });
  router.delete('/environments/:name', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.deleteEnvironment(req.params.name, caller));
  });
  router.post('/environments/:name/copy', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.copyEnvironment(req.params.name, req.body, caller));
  });
  router.put('/environments/:name/secrets/:secret', async (req, res) => {
    const { name, secret } = req.params;
    await commands.writeSecretValues(name, secret, req.body, await callerOf(req));
    res.status(204).end();
  });
  router.post('/environments/:name/sleep', async (req, res) => {
    const caller = await callerOf(req);
    res.status(202).json(await commands.sleepEnvironment(req.params.name, caller));
  });
  router.post('/environments/:name/wake', async (req, res) => {
    const caller = await callerOf(req);
    res.status(202).json(await commands.wakeEnvironment(req.params.name, caller));
  });

  router.post('/environments/:name/diff', async (req, res) => {
    res.json(await differ.diffEnvironment(req.params.name, req.body));
  });
  router.post('/environments/:name/routes/trace', async (req, res) => {
    res.json(await tracer.trace(req.params.name, req.body));
  });
  router.get('/environments/:name/status', async (req, res) => {
    res.json(await status.getStatus(req.params.name));
  });
  router.get('/environments/:name/export', async (req, res) => {
    res.json(await exporter.exportEnvironment(req.params.name));
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
  router.get('/environments/:name/revisions', async (req, res) => {
    const service =
      typeof req.query.service === 'string' ? req.query.service : undefined;
    res.json({ items: await reader.listRevisions(req.params.name, service) });
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
    res.json(await commands.cancelOperation(req.params.id, await callerOf(req)));
  });
}
