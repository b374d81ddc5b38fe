import type { KubernetesObject } from '@kubernetes/client-node';
import type {
  RouteHop,
  TraceRouteRequest,
} from '@envmesh/plugin-environments-common';
import { DynamicClient } from '../apply/DynamicClient';
import { LABELS } from '../apply/types';
import { GATEWAY_API_VERSION, GatewayHTTPRoute } from './gatewayApiTypes';
import {
  changedHeaders,
  httpRouteHeaderOperations,
  virtualServiceHeaderOperations,
} from './headerOperations';
import { matchHttpRoute } from './httpRouteTrace';
import { listVirtualServices } from './routingObjects';
import {
  ISTIO_API_VERSION,
  DestinationRule,
  HTTPMatchRequest,
  HTTPRoute,
  StringMatch,
  VirtualService,
} from './types';

/** The live objects of a namespace a request is traced through. */
export interface RouteTraceObjects {
  virtualServices: VirtualService[];
  /** Gateway API routes (the `gateway-api` driver's and the charts'), where the cluster serves them. */
  httpRoutes?: GatewayHTTPRoute[];
  destinationRules: DestinationRule[];
  services: KubernetesObject[];
  pods: KubernetesObject[];
}

/** A request to one host, as {@link traceRequest} takes it. */
export type TracedRequest = Omit<TraceRouteRequest, 'chain'> & {
  host: string;
};

/** The objects a trace reads: LISTs of the namespace, so a trace shows what the cluster holds now. */
export async function readTraceObjects(
  client: DynamicClient,
  namespace: string,
): Promise<RouteTraceObjects> {
  const [virtualServices, destinationRules, services, pods, httpRoutes] =
    await Promise.all([
      listVirtualServices(client, namespace),
      client.list(ISTIO_API_VERSION, 'DestinationRule', namespace),
      client.list('v1', 'Service', namespace),
      client.list('v1', 'Pod', namespace),
      client
        .resourceFor(GATEWAY_API_VERSION, 'HTTPRoute')
        .then(served =>
          served
            ? client.list(GATEWAY_API_VERSION, 'HTTPRoute', namespace)
            : { items: [] },
        ),
    ]);
  return {
    virtualServices,
    httpRoutes: httpRoutes.items as GatewayHTTPRoute[],
    destinationRules: destinationRules.items as DestinationRule[],
    services: services.items,
    // A pod being deleted no longer receives new requests.
    pods: pods.items.filter(p => !p.metadata?.deletionTimestamp),
  };
}

/**
 * Who runs pods without an Istio sidecar (a container, or a native sidecar init container, named
 * `istio-proxy`): by service for envmesh's pods, else by pod name. Sorted.
 */
export function withoutSidecar(pods: KubernetesObject[]): string[] {
  const names = new Set<string>();
  for (const pod of pods) {
    const spec = (
      pod as { spec?: { containers?: any[]; initContainers?: any[] } }
    ).spec;
    const containers = [
      ...(spec?.containers ?? []),
      ...(spec?.initContainers ?? []),
    ];
    if (containers.some(c => c?.name === 'istio-proxy')) continue;
    names.add(
      pod.metadata?.labels?.[LABELS.service] ?? pod.metadata?.name ?? '',
    );
  }
  return [...names].sort();
}

/**
 * The Service a cluster-local host names (`name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`),
 * else undefined: `demo-ui.demo.net` is an external host even when a Service `demo-ui` exists.
 */
export function localServiceName(host: string): string | undefined {
  const labels = host.split('.');
  if (labels.length <= 2) return labels[0];
  if (labels.length === 3 && labels[2] === 'svc') return labels[0];
  if (labels.length === 5 && host.endsWith('.svc.cluster.local')) {
    return labels[0];
  }
  return undefined;
}

/** The short name of a destination host (as given when it is not cluster-local). */
function shortHost(host: string): string {
  return localServiceName(host) ?? host;
}

function stringMatches(match: StringMatch, value: string | undefined) {
  if (value === undefined) return false;
  if (match.exact !== undefined) return value === match.exact;
  if (match.prefix !== undefined) return value.startsWith(match.prefix);
  if (match.regex !== undefined)
    return new RegExp(`^(?:${match.regex})$`).test(value);
  return true;
}

function blockMatches(block: HTTPMatchRequest, request: TracedRequest) {
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  for (const [name, match] of Object.entries(block.headers ?? {})) {
    if (!stringMatches(match, headers[name.toLowerCase()])) return false;
  }
  const uri = block.uri as StringMatch | undefined;
  return !uri || stringMatches(uri, request.path ?? '/');
}

function ruleMatches(rule: HTTPRoute, request: TracedRequest) {
  return !rule.match?.length || rule.match.some(b => blockMatches(b, request));
}

function selects(
  selector: Record<string, string>,
  labels: Record<string, string>,
) {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The VS that applies to a request: a mesh VS of the Service's host, or a gateway VS of the external host. */
function virtualServiceFor(request: TracedRequest, all: VirtualService[]) {
  return all.find(vs => {
    const gateways = vs.spec?.gateways ?? [];
    const mesh = !gateways.length || gateways.includes('mesh');
    const forGateway = gateways.some(g => g !== 'mesh');
    if (request.gateway ? !forGateway : !mesh) return false;
    return (vs.spec?.hosts ?? []).some(h =>
      request.gateway ? h === request.host : shortHost(h) === request.host,
    );
  });
}

/** The pods a destination reaches: its Service's endpoints, narrowed to the subset's labels. */
export function podsBehind(
  destination: { host: string; subset?: string },
  objects: RouteTraceObjects,
): { pods: string[]; problem?: string } {
  const host = shortHost(destination.host);
  const service = objects.services.find(s => s.metadata?.name === host);
  const selector = (service as any)?.spec?.selector as
    | Record<string, string>
    | undefined;
  if (!service || !selector) {
    return { pods: [], problem: `no Service ${host} with a selector` };
  }
  let labels: Record<string, string> = {};
  if (destination.subset) {
    const rule = objects.destinationRules.find(
      dr => shortHost(dr.spec?.host ?? '') === host,
    );
    const subset = rule?.spec?.subsets?.find(
      s => s.name === destination.subset,
    );
    if (!subset) {
      return {
        pods: [],
        problem: `subset ${destination.subset} is not defined for ${host} (503)`,
      };
    }
    labels = subset.labels ?? {};
  }
  const pods = objects.pods
    .filter(pod => {
      const podLabels = pod.metadata?.labels ?? {};
      return selects(selector, podLabels) && selects(labels, podLabels);
    })
    .map(pod => pod.metadata?.name ?? '')
    .sort();
  return { pods };
}

/** A request to a host no VirtualService applies to, through the HTTPRoutes attached to it, if any. */
function traceHttpRoute(
  request: TracedRequest,
  objects: RouteTraceObjects,
): RouteHop | undefined {
  const matched = matchHttpRoute(request, objects.httpRoutes ?? []);
  if (matched === undefined) return undefined;
  if (matched === null) {
    return {
      host: request.host,
      pods: [],
      reason: `no rule of the HTTPRoutes attached to ${request.host} matches (404)`,
    };
  }
  const { route, index, rule } = matched;
  const name = route.metadata?.name ?? '';
  const backend = rule.backendRefs?.[0];
  if (!backend) {
    return {
      host: request.host,
      httpRoute: name,
      rule: { index },
      pods: [],
      reason: `rule ${index} of HTTPRoute ${name} has no backend`,
    };
  }
  const destination = { host: backend.name };
  const { pods, problem } = podsBehind(destination, objects);
  const how = rule.matches?.some(m => m.headers?.length)
    ? 'matched'
    : '(no header match: the default) applied';
  const setHeaders = changedHeaders(
    request.headers,
    httpRouteHeaderOperations(rule),
  );
  return {
    host: request.host,
    httpRoute: name,
    rule: { index },
    destination,
    pods,
    ...(setHeaders ? { setHeaders } : {}),
    reason:
      problem ?? `rule ${index} of HTTPRoute ${name} ${how} → ${backend.name}`,
  };
}

/**
 * Where one request to a host goes, read from the live objects: the VirtualService (or, without one, the
 * Gateway API HTTPRoute) and rule that matched, the destination, the pods behind it, and the headers the rule
 * set (a preview host sets the routing header). Without either, the request reaches every endpoint of the
 * Service, which is said in `reason`.
 */
export function traceRequest(
  request: TracedRequest,
  objects: RouteTraceObjects,
): RouteHop {
  const vs = virtualServiceFor(request, objects.virtualServices);
  const viaHttpRoute = vs ? undefined : traceHttpRoute(request, objects);
  if (viaHttpRoute) return viaHttpRoute;
  if (!vs && request.gateway) {
    return {
      host: request.host,
      pods: [],
      reason: `no gateway-bound VirtualService has host ${request.host}: the gateway answers 404`,
    };
  }
  if (!vs) {
    const destination = { host: request.host };
    const { pods, problem } = podsBehind(destination, objects);
    return {
      host: request.host,
      destination,
      pods,
      reason:
        problem ??
        `no VirtualService applies to ${request.host}: every endpoint of its Service (base and feature pods)`,
    };
  }
  const rules = vs.spec?.http ?? [];
  const index = rules.findIndex(rule => ruleMatches(rule, request));
  if (index < 0) {
    return {
      host: request.host,
      virtualService: vs.metadata?.name,
      pods: [],
      reason: `no rule of VirtualService ${vs.metadata?.name} matches (404)`,
    };
  }
  const rule = rules[index];
  const target = rule.route?.[0]?.destination;
  if (!target) {
    return {
      host: request.host,
      virtualService: vs.metadata?.name,
      rule: { index, name: rule.name },
      pods: [],
      reason: `rule ${rule.name ?? index} has no route destination`,
    };
  }
  const destination = {
    host: shortHost(target.host),
    ...(target.subset ? { subset: target.subset } : {}),
  };
  const { pods, problem } = podsBehind(destination, objects);
  const matched = rule.match?.length
    ? `rule ${rule.name ?? index} matched`
    : `rule ${rule.name ?? index} (no match: the default) applied`;
  const setHeaders = changedHeaders(
    request.headers,
    virtualServiceHeaderOperations(rule),
  );
  return {
    host: request.host,
    virtualService: vs.metadata?.name,
    rule: { index, name: rule.name },
    destination,
    pods,
    ...(setHeaders ? { setHeaders } : {}),
    reason:
      problem ??
      `${matched} → ${destination.host}${
        destination.subset ? ` subset ${destination.subset}` : ''
      }`,
  };
}
