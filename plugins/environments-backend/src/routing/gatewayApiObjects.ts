import { NotFoundError } from '@backstage/errors';
import { KubernetesObject } from '@kubernetes/client-node';
import { applyAsRouting } from './routingObjects';
import { DynamicClient, isApiStatus } from '../apply/DynamicClient';
import {
  GATEWAY_API_VERSION,
  GatewayHTTPRoute,
  KubeService,
} from './gatewayApiTypes';
import { ROUTING_MANAGER } from './types';

/** Every Service of the namespace: the base Service, the driver's, and any that may hold a name it needs. */
export async function listServices(
  client: DynamicClient,
  namespace: string,
): Promise<KubeService[]> {
  const list = await client.list('v1', 'Service', namespace);
  return list.items as KubeService[];
}

/**
 * Every HTTPRoute of the namespace: another one attached to the same Service must be seen. Throws a
 * NotFoundError naming the missing API when the cluster has no Gateway API CRDs.
 */
export async function listHttpRoutes(
  client: DynamicClient,
  namespace: string,
): Promise<GatewayHTTPRoute[]> {
  if (!(await client.resourceFor(GATEWAY_API_VERSION, 'HTTPRoute'))) {
    throw new NotFoundError(
      `the cluster does not serve ${GATEWAY_API_VERSION} HTTPRoute: install the Gateway API CRDs to route with the gateway-api driver`,
    );
  }
  const list = await client.list(GATEWAY_API_VERSION, 'HTTPRoute', namespace);
  return list.items as GatewayHTTPRoute[];
}

/**
 * Writes a Service or HTTPRoute of the driver as `envmesh-routing`, guarded by the live resourceVersion (409
 * if it moved): a create when there is none (409 if someone created it meanwhile, where an apply would
 * silently take it over); an HTTPRoute by server-side apply (its lists are atomic); a Service by a replace of
 * the live object with the desired selector, ports and labels (its ports are a map keyed by port and protocol,
 * and entries written by the create would outlive an apply that drops them).
 */
export async function writeGatewayObject<
  T extends KubeService | GatewayHTTPRoute,
>(client: DynamicClient, desired: T, live: T | undefined): Promise<T> {
  if (!live) {
    return (await client.create(
      {
        apiVersion: desired.apiVersion,
        kind: desired.kind,
        metadata: desired.metadata,
        spec: desired.spec,
      } as KubernetesObject,
      undefined,
      undefined,
      ROUTING_MANAGER,
    )) as T;
  }
  const metadata = {
    ...live.metadata,
    labels: { ...live.metadata?.labels, ...desired.metadata?.labels },
  };
  if (desired.kind === 'Service') {
    const { spec } = desired as KubeService;
    const replacement: KubeService = {
      ...(live as KubeService),
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        ...(live as KubeService).spec,
        type: spec!.type,
        selector: spec!.selector,
        ports: spec!.ports,
      },
    };
    return (await client.replace(
      replacement as KubernetesObject,
      undefined,
      undefined,
      ROUTING_MANAGER,
    )) as T;
  }
  return (await applyAsRouting(client, {
    apiVersion: desired.apiVersion,
    kind: desired.kind,
    metadata: {
      name: live.metadata?.name,
      namespace: live.metadata?.namespace,
      labels: desired.metadata?.labels,
      resourceVersion: live.metadata?.resourceVersion,
    },
    spec: desired.spec,
  } as KubernetesObject)) as T;
}

/** Deletes a live object (list items may lack apiVersion and kind: given apart) unless it changed since it was read (409); one already gone is fine. */
export async function deleteGatewayObject(
  client: DynamicClient,
  type: { apiVersion: string; kind: string },
  live: KubeService | GatewayHTTPRoute,
): Promise<void> {
  try {
    await client.delete(
      {
        ...type,
        metadata: {
          name: live.metadata!.name,
          namespace: live.metadata!.namespace,
        },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      {
        preconditions: {
          uid: live.metadata?.uid,
          resourceVersion: live.metadata?.resourceVersion,
        },
      },
    );
  } catch (error) {
    if (!isApiStatus(error, 404)) throw error;
  }
}
