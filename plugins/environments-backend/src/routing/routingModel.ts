import { InputError } from '@backstage/errors';
import { validateDnsLabel } from '@envmesh/plugin-environments-common';
import { LABELS } from '../apply/types';
import { INSTANCE_LABEL, instanceServiceName } from '../naming';
import { featureMatches } from './featureMatch';
import {
  DEFAULT_SUBSET,
  DestinationRule,
  FEATURE_ROUTE_PREFIX,
  HTTPRoute,
  ISTIO_API_VERSION,
  MatchOptions,
  RoutingTarget,
  VirtualService,
} from './types';

export interface ServiceRoutingInput extends RoutingTarget, MatchOptions {
  /** The features that have a ready instance of this service. */
  features: Iterable<string>;
  /**
   * The VirtualService the base chart renders for the host (or the live one): feature routes are inserted
   * into it instead of generating one. Routes named `envmesh-*` in it are replaced.
   */
  virtualService?: VirtualService;
  /**
   * The name of a generated VS (default: the host). A chart may already use the host's name for another VS,
   * e.g. its gateway-bound one.
   */
  generatedName?: string;
}

/** The `app.kubernetes.io/instance` value of a feature instance: `<service>.<feature>`. */
export function instanceLabel(target: RoutingTarget, feature: string): string {
  return `${target.service ?? target.baseInstance}.${feature}`;
}

/** Throws an InputError unless the feature name can be a subset name and part of an instance label. */
export function assertFeatureName(feature: string, target: RoutingTarget) {
  const reason = validateDnsLabel(feature, 'feature');
  if (reason) throw new InputError(reason);
  // The subset `default` is the base instance.
  if (feature === DEFAULT_SUBSET) {
    throw new InputError(`feature must not be named '${DEFAULT_SUBSET}'`);
  }
  const label = instanceLabel(target, feature);
  if (label.length > 63) {
    throw new InputError(
      `the instance label '${label}' of feature '${feature}' is longer than 63 characters`,
    );
  }
}

/** Features in a deterministic order (code-unit order, independent of locale). */
export function sortFeatures(features: Iterable<string>): string[] {
  // Not localeCompare: the order must not depend on the backend's locale.
  return [...new Set(features)].sort((a, b) => {
    if (a === b) return 0;
    return a < b ? -1 : 1;
  });
}

/** Whether a destination host names the target Service (short name or namespace-qualified forms). */
export function isTargetHost(host: string | undefined, target: RoutingTarget) {
  if (!host) return false;
  if (host === target.host) return true;
  if (!target.namespace) return false;
  const qualified = `${target.host}.${target.namespace}`;
  return (
    host === qualified ||
    host === `${qualified}.svc` ||
    host === `${qualified}.svc.cluster.local`
  );
}

/** Whether a VS applies to sidecars (mesh) for the target host; gateway-only VSs may be split per host (R1). */
export function isMeshVirtualServiceFor(
  vs: VirtualService,
  target: RoutingTarget,
): boolean {
  const gateways = vs.spec?.gateways;
  const mesh = !gateways?.length || gateways.includes('mesh');
  return mesh && (vs.spec?.hosts ?? []).some(h => isTargetHost(h, target));
}

function isFeatureRoute(route: HTTPRoute): boolean {
  return route.name?.startsWith(FEATURE_ROUTE_PREFIX) ?? false;
}

function routesToTarget(route: HTTPRoute, target: RoutingTarget): boolean {
  return (route.route ?? []).some(d =>
    isTargetHost(d.destination?.host, target),
  );
}

/**
 * The gateway-bound VSs that send requests to the target host, other than envmesh's own preview hosts (which
 * carry a feature label). Like the mesh VS they must send requests without the header to the base pods only:
 * a gateway's Envoy would otherwise balance them over the Service's endpoints, feature pods included.
 */
export function gatewayVirtualServicesFor(
  all: VirtualService[],
  target: RoutingTarget,
): VirtualService[] {
  return all.filter(
    vs =>
      !isMeshVirtualServiceFor(vs, target) &&
      !vs.metadata?.labels?.[LABELS.feature] &&
      (vs.spec?.http ?? []).some(r => routesToTarget(r, target)),
  );
}

/**
 * The features a VS routes: the subsets of its `envmesh-*` routes, or in `service` mode (no subsets) the
 * feature their name carries (`envmesh-<feature>`, `envmesh-<feature>.1`, ...).
 */
export function routedFeatures(vs: VirtualService | undefined): Set<string> {
  const features = new Set<string>();
  for (const route of vs?.spec?.http ?? []) {
    if (!isFeatureRoute(route)) continue;
    for (const d of route.route ?? []) {
      features.add(
        d.destination?.subset ??
          route.name!.slice(FEATURE_ROUTE_PREFIX.length).replace(/\.\d+$/, ''),
      );
    }
  }
  return features;
}

/** The feature subsets of a DR (every subset but `default`). */
export function featureSubsets(dr: DestinationRule | undefined): Set<string> {
  return new Set(
    (dr?.spec?.subsets ?? [])
      .map(s => s.name)
      .filter(name => name !== DEFAULT_SUBSET),
  );
}

/** The DR of a service: subset `default` (the base instance) and one subset per feature, sorted. */
export function computeDestinationRule(
  input: Omit<ServiceRoutingInput, 'virtualService'>,
): DestinationRule {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'DestinationRule',
    metadata: {
      name: input.host,
      ...(input.namespace ? { namespace: input.namespace } : {}),
    },
    spec: {
      host: input.host,
      subsets: [
        {
          name: DEFAULT_SUBSET,
          labels: { [INSTANCE_LABEL]: input.baseInstance },
        },
        ...sortFeatures(input.features).map(feature => ({
          name: feature,
          labels: { [INSTANCE_LABEL]: instanceLabel(input, feature) },
        })),
      ],
    },
  };
}

/** The route a generated VS sends everything else through. */
function defaultRoute(target: RoutingTarget): HTTPRoute {
  return {
    name: DEFAULT_SUBSET,
    route: [
      {
        destination: {
          host: target.host,
          ...(target.mode === 'service' ? {} : { subset: DEFAULT_SUBSET }),
        },
      },
    ],
  };
}

/**
 * A feature's copy of a chart route (R4): keeps its other fields (timeout, retries, rewrite, headers...),
 * ANDs the feature match into each match block, and sends to the feature subset of the (first) destination
 * that is the target host. Weights and mirrors are dropped: a feature request goes to its one instance.
 */
function deriveFeatureRoute(
  source: HTTPRoute,
  feature: string,
  index: number,
  input: ServiceRoutingInput,
): HTTPRoute {
  const {
    name: _name,
    match,
    route,
    mirror: _mirror,
    mirrors: _mirrors,
    mirrorPercentage: _mirrorPercentage,
    mirrorPercent: _mirrorPercent,
    ...rest
  } = structuredClone(source);
  const { weight: _weight, ...target } = route!.find(d =>
    isTargetHost(d.destination?.host, input),
  )!;
  // The first derived route carries the plain name; a second chart route to the host gets `.1`, ...
  const suffix = index === 0 ? '' : `.${index}`;
  return {
    name: `${FEATURE_ROUTE_PREFIX}${feature}${suffix}`,
    match: featureMatches(feature, match, input),
    ...rest,
    route: [
      {
        ...target,
        destination:
          input.mode === 'service'
            ? {
                ...target.destination,
                host: instanceServiceName(input.host, feature),
              }
            : { ...target.destination, subset: feature },
      },
    ],
  };
}

/** A chart route with its destinations to the target host pinned to subset `default` where unset. */
function withDefaultSubset(route: HTTPRoute, target: RoutingTarget): HTTPRoute {
  // In `service` mode the host's Service selects the base pods only.
  if (target.mode === 'service') return route;
  return {
    ...route,
    route: route.route?.map(d =>
      isTargetHost(d.destination?.host, target) && !d.destination.subset
        ? { ...d, destination: { ...d.destination, subset: DEFAULT_SUBSET } }
        : d,
    ),
  };
}

/**
 * The VS of a service. Each route to the host (the generated `default` route, or the chart's routes) is
 * preceded by its feature copies, sorted by feature; routes to other hosts keep their place. Putting the
 * copies right before their source, rather than all at the top, keeps the chart's route precedence: a
 * feature request still reaches an earlier chart route to another host first.
 */
export function computeVirtualService(
  input: ServiceRoutingInput,
): VirtualService {
  const base = input.virtualService;
  const features = sortFeatures(input.features);
  const sourceRoutes = base
    ? (base.spec.http ?? []).filter(r => !isFeatureRoute(r))
    : [defaultRoute(input)];
  const http: HTTPRoute[] = [];
  let index = 0;
  for (const route of sourceRoutes) {
    if (!routesToTarget(route, input)) {
      http.push(route);
      continue;
    }
    for (const feature of features) {
      http.push(deriveFeatureRoute(route, feature, index, input));
    }
    http.push(withDefaultSubset(route, input));
    index++;
  }
  const namespace = base?.metadata?.namespace ?? input.namespace;
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: {
      name: base?.metadata?.name ?? input.generatedName ?? input.host,
      ...(namespace ? { namespace } : {}),
    },
    spec: base ? { ...base.spec, http } : { hosts: [input.host], http },
  };
}
