import {
  createExternalRouteRef,
  createRouteRef,
} from '@backstage/core-plugin-api';

/**
 * The environments pages: the list at the mount point, one environment below it (`<mount point>/:name`).
 *
 * The same ref serves both frontend systems (legacy route refs are also new-system route refs), so the entity
 * tab and card link to the environment pages in either app.
 *
 * @public
 */
export const rootRouteRef = createRouteRef({ id: 'environments' });

/**
 * Where the "Create" button of the environments list leads: a scaffolder template page
 * (`/create/templates/:namespace/:templateName`). Bound to the scaffolder's `selectedTemplate` route by default
 * in the new frontend system; when it is not bound, the button links to `/create/templates/...` directly.
 *
 * @public
 */
export const createEnvironmentRouteRef = createExternalRouteRef({
  id: 'create-environment',
  params: ['namespace', 'templateName'],
  optional: true,
  defaultTarget: 'scaffolder.selectedTemplate',
});

/** The scaffolder template that creates an environment (`templates/new-environment` of `@envmesh/plugin-scaffolder-backend-module-environments`). */
export const NEW_ENVIRONMENT_TEMPLATE = {
  namespace: 'default',
  templateName: 'envmesh-new-environment',
};

/** Where the legacy "Environments" entity tab is mounted (inside `EntityLayout.Route`). */
export const entityContentRouteRef = createRouteRef({
  id: 'environments-entity-content',
});

/**
 * The feature-branch pages: the list at the mount point (`/feature-branches` in the app), one feature branch
 * below it (`<mount point>/:name`).
 *
 * @public
 */
export const featureBranchesRouteRef = createRouteRef({
  id: 'feature-branches',
});
