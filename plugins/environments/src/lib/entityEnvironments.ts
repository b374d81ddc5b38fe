import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { EnvironmentsApi } from '../api';
import { ServiceStatus } from '../api/types';

/** The annotation that links a catalog component to the envmesh service of the same name. */
const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';

/**
 * Whether an entity gets the "Environments" tab and card: a component with the `backstage.io/kubernetes-id`
 * annotation.
 *
 * @public
 */
export function isEnvironmentsAvailable(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'component' &&
    Boolean(entity.metadata.annotations?.[KUBERNETES_ID_ANNOTATION])
  );
}

/**
 * One service of a component in one environment.
 *
 * @public
 */
export interface EntityEnvironment {
  environment: EnvironmentSummary;
  /** The envmesh service of the component. */
  service: string;
  /** The image the service's latest revision deployed, or the tag the environment pins. */
  version?: string;
  /** The live status, when the cluster could be read. */
  status?: ServiceStatus;
  /** Why the live status could not be read. */
  statusError?: Error;
}

/** The same entity ref, whatever the defaults or case. */
function sameRef(ref: string, entityRef: string): boolean {
  try {
    return (
      stringifyEntityRef(
        parseEntityRef(ref, {
          defaultKind: 'component',
          defaultNamespace: 'default',
        }),
      ).toLocaleLowerCase('en-US') === entityRef
    );
  } catch {
    return false;
  }
}

/**
 * Where a catalog component runs: every environment with a service of the component, with the service's
 * version and live status.
 *
 * A service belongs to the component when the service registry links it to the component
 * (`catalogEntityRef`), or when it is named like the component's `backstage.io/kubernetes-id` and linked to
 * no component. Environments list the components of their services (`componentRefs`), so only those are read;
 * a service linked by name only makes every environment a candidate.
 */
export async function findEntityEnvironments(
  api: EnvironmentsApi,
  entity: Entity,
): Promise<EntityEnvironment[]> {
  const entityRef = stringifyEntityRef(entity).toLocaleLowerCase('en-US');
  const kubernetesId = entity.metadata.annotations?.[KUBERNETES_ID_ANNOTATION];
  const [environments, services] = await Promise.all([
    api.listEnvironments(),
    api.listServices(),
  ]);

  const linked = services.items
    .filter(s => s.catalogEntityRef && sameRef(s.catalogEntityRef, entityRef))
    .map(s => s.name);
  const byName = services.items
    .filter(s => kubernetesId && s.name === kubernetesId && !s.catalogEntityRef)
    .map(s => s.name);
  const names = new Set([...linked, ...byName]);
  if (names.size === 0) {
    return [];
  }
  const candidates =
    byName.length > 0
      ? environments.items
      : environments.items.filter(e =>
          e.componentRefs.some(ref => sameRef(ref, entityRef)),
        );

  const perEnvironment = await Promise.all(
    candidates.map(async (environment): Promise<EntityEnvironment[]> => {
      try {
        const { services: statuses } = await api.getStatus(environment.name);
        return statuses
          .filter(s => names.has(s.name))
          .map(status => ({
            environment,
            service: status.name,
            version: status.desiredImage,
            status,
          }));
      } catch (statusError) {
        // Without the cluster, the stored environment still says which services it runs, and at which tag.
        const spec = await api
          .getEnvironment(environment.name)
          .catch(() => undefined);
        if (!spec) {
          return linked.length > 0 && byName.length === 0
            ? [
                {
                  environment,
                  service: linked[0],
                  statusError: statusError as Error,
                },
              ]
            : [];
        }
        return spec.services
          .filter(s => names.has(s.name))
          .map(s => ({
            environment,
            service: s.name,
            version: s.imageTag,
            statusError: statusError as Error,
          }));
      }
    }),
  );
  return perEnvironment.flat();
}
