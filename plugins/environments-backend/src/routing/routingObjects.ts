import { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import {
  DynamicClient,
  ListFreshness,
  isApiStatus,
} from '../apply/DynamicClient';
import { LABELS, MANAGER } from '../apply/types';
import {
  DestinationRule,
  ISTIO_API_VERSION,
  ROUTING_MANAGER,
  VirtualService,
} from './types';

/** The DR envmesh keeps for a host (named after it), if any. */
export async function readDestinationRule(
  client: DynamicClient,
  namespace: string,
  host: string,
): Promise<DestinationRule | undefined> {
  try {
    return (await client.read({
      apiVersion: ISTIO_API_VERSION,
      kind: 'DestinationRule',
      metadata: { name: host, namespace },
    })) as DestinationRule;
  } catch (error) {
    if (isApiStatus(error, 404)) return undefined;
    throw error;
  }
}

/** Every VS of the namespace: a chart's VS for the host may have any name, and duplicates must be seen. */
export async function listVirtualServices(
  client: DynamicClient,
  namespace: string,
  freshness?: ListFreshness,
): Promise<VirtualService[]> {
  const list = await client.listFresh<VirtualService>(
    ISTIO_API_VERSION,
    'VirtualService',
    namespace,
    { freshness },
  );
  return list.items;
}

/**
 * Writes the routing fields of a DR or VS: server-side apply as `envmesh-routing` with the live
 * resourceVersion as precondition (409 if it moved), or a create (409 if someone created it meanwhile, where
 * an apply would silently overwrite). Field ownership conflicts are forced: a chart VS's `http` list is one
 * atomic field owned by the release applier (R12).
 */
export async function writeRoutingObject<
  T extends DestinationRule | VirtualService,
>(
  client: DynamicClient,
  scope: { namespace: string; environment: string },
  desired: T,
  live: T | undefined,
): Promise<T> {
  const spec =
    desired.kind === 'VirtualService'
      ? { hosts: desired.spec.hosts, http: desired.spec.http }
      : { host: desired.spec.host, subsets: desired.spec.subsets };
  const body = {
    apiVersion: ISTIO_API_VERSION,
    kind: desired.kind,
    metadata: {
      name: live?.metadata?.name ?? desired.metadata?.name,
      namespace: scope.namespace,
      labels: {
        [LABELS.managedBy]: MANAGER,
        [LABELS.environment]: scope.environment,
      },
      ...(live ? { resourceVersion: live.metadata?.resourceVersion } : {}),
    },
    spec,
  } as KubernetesObject;
  if (!live) {
    return (await client.create(
      body,
      undefined,
      undefined,
      ROUTING_MANAGER,
    )) as T;
  }
  return (await applyAsRouting(client, body)) as T;
}

/** Server-side apply as `envmesh-routing`, forcing field ownership conflicts (see writeRoutingObject). */
export async function applyAsRouting(
  client: DynamicClient,
  body: KubernetesObject,
): Promise<KubernetesObject> {
  return client.patch(
    body,
    undefined,
    undefined,
    ROUTING_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}

/** Deletes a DR or VS that routing created (404: already gone). */
export async function deleteRoutingObject(
  client: DynamicClient,
  namespace: string,
  kind: 'DestinationRule' | 'VirtualService',
  name: string,
): Promise<void> {
  try {
    await client.delete({
      apiVersion: ISTIO_API_VERSION,
      kind,
      metadata: { name, namespace },
    });
  } catch (error) {
    if (!isApiStatus(error, 404)) throw error;
  }
}
