import type { ApiRouter } from '../schema/openApiRouter';
import type { CallerOf, RouterOptions } from './createRouter';

/** Feature branches: deploy, remove, extend, and what a request to one reaches. */
export function addFeatureRoutes(
  router: ApiRouter,
  options: RouterOptions,
  callerOf: CallerOf,
) {
  const { commands, features, reachability, httpAuth } = options;

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
    res
      .status(202)
      .json(await commands.deployFeature(req.body, await callerOf(req)));
  });
  router.get('/features/:feature', async (req, res) => {
    res.json(await features.getFeature(req.params.feature));
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
  router.post('/features/:feature/extend', async (req, res) => {
    const caller = await callerOf(req);
    res.json(await commands.extendFeature(req.params.feature, req.body, caller));
  });
  router.get('/features/:feature/operations', async (req, res) => {
    res.json({ items: await features.listOperations(req.params.feature) });
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
  router.get('/features/:feature/reachability', async (req, res) => {
    res.json(
      await reachability.reachability(req.params.feature, {
        entry: req.query.entry,
        credentials: await httpAuth.credentials(req),
      }),
    );
  });
}
