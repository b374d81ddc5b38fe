import { LABELS, MANAGER } from '../apply/types';
import { instanceServiceName } from '../naming';
import { baggageRegex, headerKey } from './featureMatch';
import {
  GATEWAY_API_VERSION,
  GatewayHTTPRoute,
  HTTPRouteMatch,
  HTTPRouteRule,
  MAX_HTTP_ROUTE_RULES,
  ParentReference,
  ROUTING_HOST_LABEL,
} from './gatewayApiTypes';
import { sortFeatures } from './routingModel';
import { DEFAULT_FEATURE_HEADER, MatchOptions, RoutingTarget } from './types';
import { RoutingViolation } from './validateRouting';
import { canonical, defaultServiceName, labelsOf } from './gatewayApiServices';

/*
 * The Gateway API rendering of the feature model (GAMMA, mesh routes attached to a Service):
 *
 * - per feature, a Service `<host>-<feature>` (the DR subset's counterpart): the base Service's selector with
 *   `app.kubernetes.io/instance` set to `<service>.<feature>`, and its ports;
 * - per host, a Service `<host>-default` selecting only the base pods (instance label `<service>`). The base
 *   Service cannot be the default backend: charts must select pods without the instance label (the feature
 *   instances rely on it, see featureInstanceObjects; the example chart selects by app.kubernetes.io/name
 *   only), so the base Service's endpoints include every feature's pods;
 * - per host, the HTTPRoute `<host>-mesh` with `parentRefs: [{ group: '', kind: 'Service', name: <host>, port }]`:
 *   one rule per feature (header `X-FEATURE-NAME` exact `<feature>` → `<host>-<feature>`), sorted, and the
 *   default rule (no match → `<host>-default`) last. An HTTPRoute holds at most 16 rules, so features that do
 *   not fit go to further HTTPRoutes `<host>-mesh.2`, `<host>-mesh.3`... of the same parent: routes of one parent are
 *   merged, and a rule with a header match always takes precedence over the match-less default rule.
 */

/**
 * The name of a host's n-th HTTPRoute (1-based): `<host>-mesh`, then `<host>-mesh.2`, `<host>-mesh.3`... Not
 * `<host>`: a chart made with `helm create` names its own (gateway-bound) HTTPRoute after its Service.
 */
function httpRouteName(host: string, index: number): string {
  return index === 1 ? `${host}-mesh` : `${host}-mesh.${index}`;
}

/** Whether an object is one the Gateway API driver keeps for this host. */
export function isRoutingObjectOf(
  object: { metadata?: { labels?: Record<string, string> } },
  host: string,
): boolean {
  const labels = labelsOf(object);
  return (
    labels[LABELS.managedBy] === MANAGER && labels[ROUTING_HOST_LABEL] === host
  );
}

/** The 1-based index of one of the driver's own HTTPRoutes for a host, else undefined. */
export function ownRouteIndex(
  route: GatewayHTTPRoute,
  host: string,
): number | undefined {
  if (!isRoutingObjectOf(route, host)) return undefined;
  const name = route.metadata?.name ?? '';
  const first = httpRouteName(host, 1);
  if (name === first) return 1;
  if (!name.startsWith(`${first}.`)) return undefined;
  const index = Number(name.slice(first.length + 1));
  return Number.isInteger(index) && index >= 2 ? index : undefined;
}

/** Whether a parentRef names the host's Service (a GAMMA mesh parent) in the route's namespace. */
function isServiceParent(
  parent: ParentReference,
  host: string,
  namespace: string | undefined,
): boolean {
  // ParentReference defaults to the Gateway kind of gateway.networking.k8s.io; a Service needs group ''.
  return (
    parent.group === '' &&
    parent.kind === 'Service' &&
    parent.name === host &&
    (!parent.namespace || !namespace || parent.namespace === namespace)
  );
}

/** Whether an HTTPRoute applies to mesh traffic to the host (has the host's Service as a parent). */
function attachesToHost(
  route: GatewayHTTPRoute,
  target: RoutingTarget,
): boolean {
  const namespace = route.metadata?.namespace ?? target.namespace;
  return (route.spec?.parentRefs ?? []).some(p =>
    isServiceParent(p, target.host, namespace),
  );
}

/** The match blocks of a feature rule: the exact header, and with baggage on, the baggage regex (ORed). */
function featureMatches(
  feature: string,
  options: MatchOptions,
): HTTPRouteMatch[] {
  // Gateway API header names are case-insensitive; written as configured.
  const name = options.headerName ?? DEFAULT_FEATURE_HEADER;
  const matches: HTTPRouteMatch[] = [
    { headers: [{ type: 'Exact', name, value: feature }] },
  ];
  if (options.baggage) {
    matches.push({
      headers: [
        {
          type: 'RegularExpression',
          name: 'baggage',
          value: baggageRegex(
            options.baggageKey ?? headerKey(options),
            feature,
          ),
        },
      ],
    });
  }
  return matches;
}

function backendRef(name: string, port: number) {
  return { group: '', kind: 'Service', name, port };
}

export interface HttpRoutesInput extends MatchOptions {
  target: RoutingTarget;
  environment: string;
  /** The routed port (see {@link routedPort}). */
  port: number;
  /** The routed features. */
  features: Iterable<string>;
  /**
   * The driver's live HTTPRoutes of the host: a feature keeps the HTTPRoute it is in, so that no write ever
   * moves a route from one object to another (which could not be done atomically).
   */
  live?: Array<{ index: number; features: Iterable<string> }>;
  /** Rules per HTTPRoute, {@link MAX_HTTP_ROUTE_RULES} by default. */
  maxRules?: number;
}

/**
 * The HTTPRoutes of a host: `<host>` with a rule per feature, sorted, and the default rule last; features
 * beyond its capacity in `<host>-mesh.2`, `<host>-mesh.3`... (sorted rules, no default rule). Without `live` the
 * features are laid out in sorted order.
 */
export function computeHttpRoutes(input: HttpRoutesInput): GatewayHTTPRoute[] {
  const { target, port } = input;
  const maxRules = input.maxRules ?? MAX_HTTP_ROUTE_RULES;
  const capacity = (index: number) => (index === 1 ? maxRules - 1 : maxRules);
  const wanted = new Set(input.features);
  const placed = new Set<string>();
  const shards = new Map<number, string[]>([[1, []]]);
  for (const shard of [...(input.live ?? [])].sort(
    (a, b) => a.index - b.index,
  )) {
    const kept = sortFeatures(shard.features)
      .filter(f => wanted.has(f) && !placed.has(f))
      .slice(0, capacity(shard.index));
    kept.forEach(f => placed.add(f));
    if (kept.length || shard.index === 1) shards.set(shard.index, kept);
  }
  // New features fill the lowest shards with room, opening new ones as needed.
  let index = 1;
  for (const feature of sortFeatures(wanted)) {
    if (placed.has(feature)) continue;
    while ((shards.get(index)?.length ?? 0) >= capacity(index)) index++;
    shards.set(index, [...(shards.get(index) ?? []), feature]);
  }

  const parentRefs: ParentReference[] = [
    { group: '', kind: 'Service', name: target.host, port },
  ];
  return [...shards.entries()]
    .sort(([a], [b]) => a - b)
    .map(([i, features]) => {
      const rules: HTTPRouteRule[] = sortFeatures(features).map(feature => ({
        matches: featureMatches(feature, input),
        backendRefs: [
          backendRef(instanceServiceName(target.host, feature), port),
        ],
      }));
      if (i === 1) {
        rules.push({
          backendRefs: [backendRef(defaultServiceName(target.host), port)],
        });
      }
      return {
        apiVersion: GATEWAY_API_VERSION,
        kind: 'HTTPRoute',
        metadata: {
          name: httpRouteName(target.host, i),
          ...(target.namespace ? { namespace: target.namespace } : {}),
          labels: {
            [LABELS.managedBy]: MANAGER,
            [LABELS.environment]: input.environment,
            [ROUTING_HOST_LABEL]: target.host,
          },
        },
        spec: { parentRefs, rules },
      };
    });
}

/** The HTTPRoute fields the driver writes, with the API's defaults filled in (the real CRD defaults them). */
function normalizedRouteSpec(route: GatewayHTTPRoute) {
  return {
    parentRefs: (route.spec?.parentRefs ?? []).map(p => ({
      group: p.group ?? 'gateway.networking.k8s.io',
      kind: p.kind ?? 'Gateway',
      name: p.name,
      port: p.port,
    })),
    rules: (route.spec?.rules ?? []).map(r => ({
      matches: (r.matches?.length ? r.matches : [{}]).map(m => ({
        path: m.path ?? { type: 'PathPrefix', value: '/' },
        headers: (m.headers ?? []).map(h => ({
          type: h.type ?? 'Exact',
          name: h.name.toLowerCase(),
          value: h.value,
        })),
      })),
      backendRefs: (r.backendRefs ?? []).map(b => ({
        group: b.group ?? '',
        kind: b.kind ?? 'Service',
        name: b.name,
        port: b.port,
        weight: b.weight ?? 1,
      })),
    })),
  };
}

/** Whether a live HTTPRoute already routes as the desired one does. */
export function sameRouteSpec(
  live: GatewayHTTPRoute,
  desired: GatewayHTTPRoute,
): boolean {
  return (
    canonical(normalizedRouteSpec(live)) ===
    canonical(normalizedRouteSpec(desired))
  );
}

/** The names of the Services an HTTPRoute sends to. */
export function routeBackends(route: GatewayHTTPRoute): string[] {
  return (route.spec?.rules ?? []).flatMap(r =>
    (r.backendRefs ?? [])
      .filter(
        b => (b.group ?? '') === '' && (b.kind ?? 'Service') === 'Service',
      )
      .map(b => b.name),
  );
}

/**
 * The features an HTTPRoute routes: those whose instance Service (by name, from `featureOfService`) one of
 * its rules sends to.
 */
export function routedFeaturesOf(
  route: GatewayHTTPRoute,
  featureOfService: ReadonlyMap<string, string>,
): Set<string> {
  const features = new Set<string>();
  for (const name of routeBackends(route)) {
    const feature = featureOfService.get(name);
    if (feature) features.add(feature);
  }
  return features;
}

export interface ValidateGatewayRoutingInput {
  target: RoutingTarget;
  /** Every HTTPRoute of the namespace (the driver's as they are to be written, and the others). */
  httpRoutes: GatewayHTTPRoute[];
  /** The names of the Services of the namespace (as they will be when the routes are written). */
  services: Iterable<string>;
  /** Rules per HTTPRoute, {@link MAX_HTTP_ROUTE_RULES} by default. */
  maxRules?: number;
}

/**
 * Checks a host's Gateway API routing before it is written; an empty list means it may be written:
 * - `foreign-http-route`: an HTTPRoute the driver does not own has the host's Service as parent (routes of one
 *   parent are merged, and a chart route with a path match would take precedence over the feature rules);
 * - `missing-backend`: a rule of the driver's HTTPRoutes sends to a Service that does not exist;
 * - `too-many-rules`: one of its HTTPRoutes has more rules than the API allows.
 */
export function validateGatewayRouting({
  target,
  httpRoutes,
  services,
  maxRules = MAX_HTTP_ROUTE_RULES,
}: ValidateGatewayRoutingInput): RoutingViolation[] {
  const violations: RoutingViolation[] = [];
  const foreign = httpRoutes
    .filter(
      r =>
        ownRouteIndex(r, target.host) === undefined &&
        attachesToHost(r, target),
    )
    .map(r => r.metadata?.name ?? '')
    .sort();
  if (foreign.length) {
    violations.push({
      code: 'foreign-http-route',
      message: `host ${
        target.host
      } has HTTPRoutes envmesh does not own (${foreign.join(
        ', ',
      )}); they would be merged with its feature routes`,
      httpRoutes: foreign,
    });
  }
  const existing = new Set(services);
  for (const route of httpRoutes) {
    if (ownRouteIndex(route, target.host) === undefined) continue;
    const name = route.metadata?.name;
    const rules = route.spec?.rules ?? [];
    if (rules.length > maxRules) {
      violations.push({
        code: 'too-many-rules',
        message: `HTTPRoute ${name} has ${rules.length} rules, more than ${maxRules}`,
        route: name,
      });
    }
    for (const backend of new Set(routeBackends(route))) {
      if (!existing.has(backend)) {
        violations.push({
          code: 'missing-backend',
          message: `HTTPRoute ${name} sends to the Service ${backend}, which does not exist`,
          route: name,
          backend,
        });
      }
    }
  }
  return violations;
}
