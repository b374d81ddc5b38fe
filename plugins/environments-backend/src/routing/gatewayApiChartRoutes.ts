import { LABELS } from '../apply/types';
import { instanceServiceName } from '../naming';
import { baggageRegex, headerKey } from './featureMatch';
import {
  GATEWAY_API_VERSION,
  GatewayHTTPRoute,
  HTTPBackendRef,
  HTTPHeaderMatch,
  HTTPRouteRule,
  ROUTING_HOST_LABEL,
} from './gatewayApiTypes';
import { sortFeatures } from './routingModel';
import { DEFAULT_FEATURE_HEADER, MatchOptions, RoutingTarget } from './types';

/*
 * A chart's own gateway-bound HTTPRoutes (attached to a Gateway, with rules whose backend is the routed host)
 * under the gateway-api driver, as the Istio driver treats a chart's gateway-bound VirtualServices: before
 * each rule to the host, one copy per routed feature that also matches the routing header and sends to the
 * feature's instance Service. Requests without the header keep the chart's rule, whose backend (the base
 * Service) selects base pods only.
 */

function isHostBackend(ref: HTTPBackendRef, host: string) {
  return (
    ref.name === host &&
    (ref.kind ?? 'Service') === 'Service' &&
    (ref.group ?? '') === ''
  );
}

function sendsToHost(rule: HTTPRouteRule, host: string) {
  return (rule.backendRefs ?? []).some(ref => isHostBackend(ref, host));
}

/** The header blocks that select a feature (the header, and with baggage on, the baggage entry). */
function featureHeaders(
  feature: string,
  options: MatchOptions,
): HTTPHeaderMatch[][] {
  const blocks: HTTPHeaderMatch[][] = [
    [
      {
        type: 'Exact',
        name: options.headerName ?? DEFAULT_FEATURE_HEADER,
        value: feature,
      },
    ],
  ];
  if (options.baggage) {
    blocks.push([
      {
        type: 'RegularExpression',
        name: 'baggage',
        value: baggageRegex(options.baggageKey ?? headerKey(options), feature),
      },
    ]);
  }
  return blocks;
}

/** Whether a rule is a feature copy envmesh made: it sends only to one of the host's instance Services. */
function isFeatureRule(rule: HTTPRouteRule, host: string) {
  const refs = rule.backendRefs ?? [];
  return (
    refs.length === 1 &&
    refs[0].name.startsWith(`${host}-`) &&
    !!rule.matches?.length &&
    rule.matches.every(m => m.headers?.length)
  );
}

/** The features whose copies a chart route holds for the host. */
export function chartRouteFeatures(
  route: GatewayHTTPRoute,
  host: string,
): string[] {
  return sortFeatures(
    (route.spec.rules ?? [])
      .filter(r => isFeatureRule(r, host))
      .map(r => r.backendRefs![0].name.slice(host.length + 1)),
  );
}

/** The chart's gateway-bound HTTPRoutes that send to the target host (not the driver's own, nor previews). */
export function chartGatewayRoutesFor(
  all: GatewayHTTPRoute[],
  target: RoutingTarget,
): GatewayHTTPRoute[] {
  return all.filter(route => {
    const labels = route.metadata?.labels ?? {};
    if (labels[ROUTING_HOST_LABEL] || labels[LABELS.feature]) return false;
    const toGateway = (route.spec.parentRefs ?? []).some(
      p => (p.kind ?? 'Gateway') === 'Gateway',
    );
    return (
      toGateway &&
      (route.spec.rules ?? []).some(r => sendsToHost(r, target.host))
    );
  });
}

/**
 * A chart route with exactly these features' copies before each of its rules to the host (the copies it held
 * are replaced): each copy keeps the rule's matches (path, method...) and filters, ANDs the feature header into
 * every match, and sends to the feature's instance Service on the same port; weights are dropped.
 */
export function withFeatureRules(
  route: GatewayHTTPRoute,
  target: RoutingTarget,
  features: Iterable<string>,
  match: MatchOptions,
): GatewayHTTPRoute {
  const sorted = sortFeatures(features);
  const rules: HTTPRouteRule[] = [];
  for (const rule of route.spec.rules ?? []) {
    if (isFeatureRule(rule, target.host)) continue;
    if (sendsToHost(rule, target.host)) {
      const ref = rule.backendRefs!.find(r => isHostBackend(r, target.host))!;
      const { weight: _weight, ...backend } = ref;
      for (const feature of sorted) {
        const sources = rule.matches?.length ? rule.matches : [{}];
        rules.push({
          ...rule,
          matches: sources.flatMap(source =>
            featureHeaders(feature, match).map(headers => ({
              ...source,
              headers: [
                ...((source.headers as HTTPHeaderMatch[]) ?? []),
                ...headers,
              ],
            })),
          ),
          backendRefs: [
            { ...backend, name: instanceServiceName(target.host, feature) },
          ],
        });
      }
    }
    rules.push(rule);
  }
  return {
    ...route,
    apiVersion: route.apiVersion ?? GATEWAY_API_VERSION,
    kind: route.kind ?? 'HTTPRoute',
    spec: { ...route.spec, rules },
  };
}
