import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';

/**
 * Components linked to an envmesh service: `kind: Component` with the `backstage.io/kubernetes-id` annotation
 * (the same test as `isEnvironmentsAvailable`, as a predicate the app config can override).
 */
const entityFilter = {
  kind: 'component',
  'metadata.annotations.backstage.io/kubernetes-id': { $exists: true },
};

/**
 * The "Environments" tab of a component: where it runs.
 *
 * @alpha
 */
export const entityEnvironmentsContent = EntityContentBlueprint.make({
  name: 'environments',
  params: {
    path: 'environments',
    title: 'Environments',
    group: 'deployment',
    filter: entityFilter,
    loader: () =>
      import('../components/EntityEnvironmentsContent').then(m => (
        <m.EntityEnvironmentsContent />
      )),
  },
});

/**
 * The short version of the tab, for the component's overview: beside the About card, where it is seen first.
 *
 * @alpha
 */
export const entityEnvironmentsCard = EntityCardBlueprint.make({
  name: 'environments',
  params: {
    type: 'info',
    filter: entityFilter,
    loader: () =>
      import('../components/EntityEnvironmentsCard').then(m => (
        <m.EntityEnvironmentsCard />
      )),
  },
});
