import { baggageMember, headerKey } from './featureMatch';
import type { HTTPRouteRule } from './gatewayApiTypes';
import { DEFAULT_FEATURE_HEADER, HTTPRoute, MatchOptions } from './types';

/** Istio's HeaderOperations: what a route does to a request's headers before it forwards it. */
export interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

/** Gateway API's HTTPHeaderFilter (a RequestHeaderModifier's body). */
interface GatewayHeaderFilter {
  set?: Array<{ name: string; value: string }>;
  add?: Array<{ name: string; value: string }>;
  remove?: string[];
}

/**
 * What a feature's preview host does to a request: sets the routing header to the feature, and with baggage
 * routing also adds the feature's `baggage` member (added, not set, so a client's own baggage survives).
 */
export function previewHeaderOperations(
  feature: string,
  match: MatchOptions = {},
): HeaderOperations {
  return {
    set: { [match.headerName ?? DEFAULT_FEATURE_HEADER]: feature },
    ...(match.baggage
      ? {
          add: {
            baggage: baggageMember(
              match.baggageKey ?? headerKey(match),
              feature,
            ),
          },
        }
      : {}),
  };
}

const toPairs = (values?: Record<string, string>) =>
  values && Object.keys(values).length
    ? Object.entries(values).map(([name, value]) => ({ name, value }))
    : undefined;

const fromPairs = (pairs?: Array<{ name: string; value: string }>) =>
  pairs?.length
    ? Object.fromEntries(pairs.map(p => [p.name, p.value]))
    : undefined;

/** The same operations as a Gateway API RequestHeaderModifier filter. */
export function toRequestHeaderModifier(operations: HeaderOperations) {
  const modifier: GatewayHeaderFilter = {};
  const set = toPairs(operations.set);
  const add = toPairs(operations.add);
  if (set) modifier.set = set;
  if (add) modifier.add = add;
  if (operations.remove?.length) modifier.remove = operations.remove;
  return { type: 'RequestHeaderModifier', requestHeaderModifier: modifier };
}

/** The request header operations of an Istio route entry. */
export function virtualServiceHeaderOperations(
  rule: HTTPRoute,
): HeaderOperations | undefined {
  return (rule.headers as { request?: HeaderOperations } | undefined)?.request;
}

/** The request header operations of a Gateway API rule (its RequestHeaderModifier filters). */
export function httpRouteHeaderOperations(
  rule: HTTPRouteRule,
): HeaderOperations | undefined {
  const filters = (rule.filters ?? []) as Array<{
    type?: string;
    requestHeaderModifier?: GatewayHeaderFilter;
  }>;
  const modifier = filters.find(
    f => f.type === 'RequestHeaderModifier',
  )?.requestHeaderModifier;
  if (!modifier) return undefined;
  return {
    set: fromPairs(modifier.set),
    add: fromPairs(modifier.add),
    remove: modifier.remove,
  };
}

/**
 * The headers a route changed, with the values the next hop receives: `set` replaces a header, `add` appends
 * to it as the proxy does (`a, b`, one list, as both Envoy's matchers and W3C baggage read it), `remove`
 * drops it (an empty value). Names compare case-insensitively; undefined when the route changes none.
 */
export function changedHeaders(
  headers: Record<string, string> | undefined,
  operations: HeaderOperations | undefined,
): Record<string, string> | undefined {
  if (!operations) return undefined;
  const current = (name: string) =>
    Object.entries(headers ?? {}).find(
      ([key]) => key.toLowerCase() === name.toLowerCase(),
    )?.[1];
  const changed: Record<string, string> = {};
  for (const name of operations.remove ?? []) changed[name] = '';
  for (const [name, value] of Object.entries(operations.set ?? {})) {
    changed[name] = value;
  }
  for (const [name, value] of Object.entries(operations.add ?? {})) {
    const before = changed[name] ?? current(name);
    changed[name] = before ? `${before}, ${value}` : value;
  }
  return Object.keys(changed).length ? changed : undefined;
}

/** A request's headers after a hop changed some: changed names replace theirs, an empty value removes one. */
export function withChangedHeaders(
  headers: Record<string, string> | undefined,
  changed: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!changed) return headers;
  const names = new Set(Object.keys(changed).map(n => n.toLowerCase()));
  const kept = Object.entries(headers ?? {}).filter(
    ([name]) => !names.has(name.toLowerCase()),
  );
  return Object.fromEntries([
    ...kept,
    ...Object.entries(changed).filter(([, value]) => value !== ''),
  ]);
}
