import type { ApiRouter } from '../schema/openApiRouter';
import type { RouterOptions } from './createRouter';
import { CallerOf, pathReads } from './pathReads';

/** Feature branches: deploy, redeploy onto the current base, remove, extend, and what a request to one reaches. */
export function addFeatureRoutes(
  router: ApiRouter,
  options: RouterOptions,
  callerOf: CallerOf,
) {
  const { commands, queries, features, reachability, costs } = options;
  /** A read of the feature branch the path names. */
  const read = pathReads(callerOf, 'feature', (...args) =>
    queries.feature(...args),
  );

  router.get('/feature-name', async (req, res) => {
    const name = options.featureNameFromBranch(String(req.query.branch));
    res.json(name === undefined ? {} : { name });
  });
  router.get('/features', async (req, res) => {
    const environment =
      typeof req.query.environment === 'string'
        ? req.query.environment
        : undefined;
    const items = await queries.listFeatures(await callerOf(req), () =>
      features.listFeatures(environment),
    );
    res.json({ items });
  });
  router.post('/features', async (req, res) => {
    res
      .status(202)
      .json(await commands.deployFeature(req.body, await callerOf(req)));
  });
  router.get('/features/:feature', async (req, res) => {
    res.json(await read(req, 'get', name => features.getFeature(name)));
  });
  router.delete('/features/:feature', async (req, res) => {
    const services = req.query.service?.length
      ? [req.query.service].flat()
      : undefined;
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.removeFeature(req.params.feature, caller, services));
  });
  router.delete('/features/:feature/instances/:service', async (req, res) => {
    const { feature, service } = req.params;
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.removeFeature(feature, caller, [service]));
  });
  router.post('/features/:feature/redeploy', async (req, res) => {
    const caller = await callerOf(req);
    res
      .status(202)
      .json(await commands.redeployFeature(req.params.feature, caller));
  });
  router.post('/features/:feature/extend', async (req, res) => {
    const caller = await callerOf(req);
    res.json(
      await commands.extendFeature(req.params.feature, req.body, caller),
    );
  });
  router.get('/features/:feature/operations', async (req, res) => {
    res.json({
      items: await read(req, 'operations', name =>
        features.listOperations(name),
      ),
    });
  });
  router.get(
    '/features/:feature/instances/:service/values',
    async (req, res) => {
      const { service } = req.params;
      res.json(
        await read(req, 'values', name =>
          features.getInstanceValues(name, service),
        ),
      );
    },
  );
  router.get('/features/:feature/cost', async (req, res) => {
    res.json(
      await read(req, 'cost', name => costs.featureCost(name, req.query)),
    );
  });
  router.get('/features/:feature/reachability', async (req, res) => {
    res.json(
      await read(req, 'reachability', (name, { credentials }) =>
        reachability.reachability(name, {
          entry: req.query.entry,
          credentials,
        }),
      ),
    );
  });
}
