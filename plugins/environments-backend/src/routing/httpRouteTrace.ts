import {
  GatewayHTTPRoute,
  HTTPHeaderMatch,
  HTTPRouteMatch,
  HTTPRouteRule,
} from './gatewayApiTypes';

/** A request as an HTTPRoute sees it. */
export interface HttpRouteRequest {
  /** A Service name (mesh) or an external host (gateway). */
  host: string;
  gateway?: boolean;
  path?: string;
  headers?: Record<string, string>;
}

/** The rule an HTTPRoute sends a request by. */
export interface HttpRouteMatch {
  route: GatewayHTTPRoute;
  index: number;
  rule: HTTPRouteRule;
}

/** Whether a route is attached to the request's parent: the Service (GAMMA), or a Gateway with its hostname. */
function attached(route: GatewayHTTPRoute, request: HttpRouteRequest) {
  return (route.spec.parentRefs ?? []).some(parent => {
    const kind = parent.kind ?? 'Gateway';
    if (!request.gateway) {
      return (
        kind === 'Service' &&
        (parent.group ?? '') === '' &&
        parent.name === request.host
      );
    }
    const hostnames = route.spec.hostnames ?? [];
    return (
      kind === 'Gateway' &&
      (!hostnames.length ||
        hostnames.some(h =>
          h.startsWith('*.')
            ? request.host.endsWith(h.slice(1))
            : h === request.host,
        ))
    );
  });
}

function headerMatches(match: HTTPHeaderMatch, request: HttpRouteRequest) {
  const value = Object.entries(request.headers ?? {}).find(
    ([name]) => name.toLowerCase() === match.name.toLowerCase(),
  )?.[1];
  if (value === undefined) return false;
  return match.type === 'RegularExpression'
    ? new RegExp(match.value).test(value)
    : value === match.value;
}

function pathMatches(match: HTTPRouteMatch, path: string) {
  const p = match.path as { type?: string; value?: string } | undefined;
  if (!p?.value) return true;
  if (p.type === 'Exact') return path === p.value;
  if (p.type === 'RegularExpression') return new RegExp(p.value).test(path);
  // PathPrefix (the default) matches whole path elements.
  const prefix = p.value.replace(/\/$/, '');
  return path === prefix || path.startsWith(`${prefix}/`) || prefix === '';
}

/** The matches of a rule that the request satisfies; a rule without matches matches everything. */
function matchesOf(rule: HTTPRouteRule, request: HttpRouteRequest) {
  const matches = rule.matches?.length ? rule.matches : [{}];
  return matches.filter(
    m =>
      pathMatches(m, request.path ?? '/') &&
      (m.headers ?? []).every(h => headerMatches(h, request)),
  );
}

/** Gateway API precedence of a match: an exact path, the longest prefix, then the most header matches. */
function precedence(match: HTTPRouteMatch): number[] {
  const p = match.path as { type?: string; value?: string } | undefined;
  return [
    p?.type === 'Exact' ? 1 : 0,
    p?.value?.length ?? 0,
    match.headers?.length ?? 0,
  ];
}

function compare(a: number[], b: number[]) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i] - a[i];
  return 0;
}

/**
 * The HTTPRoute rule a request takes among every route attached to its parent, by Gateway API precedence
 * (ties: the route's name, then the rule's order); `undefined` when no HTTPRoute is attached, `null` when
 * routes are attached but no rule matches (404).
 */
export function matchHttpRoute(
  request: HttpRouteRequest,
  routes: GatewayHTTPRoute[],
): HttpRouteMatch | null | undefined {
  const candidates = routes.filter(r => attached(r, request));
  if (!candidates.length) return undefined;
  const ranked = candidates
    .flatMap(route =>
      (route.spec.rules ?? []).flatMap((rule, index) =>
        matchesOf(rule, request).map(m => ({
          match: { route, index, rule },
          key: precedence(m),
          name: route.metadata?.name ?? '',
        })),
      ),
    )
    // Stable: among equals, the route listed first and its first rule win.
    .sort((a, b) => compare(a.key, b.key) || a.name.localeCompare(b.name));
  return ranked[0]?.match ?? null;
}
