import { stableStringify } from '../apply/fingerprint';
import { instanceServiceName } from '../naming';
import type { RoutingSetChange } from './RoutingDriver';
import {
  computeDestinationRule,
  computeVirtualService,
  featureSubsets,
  gatewayVirtualServicesFor,
  isMeshVirtualServiceFor,
  isTargetHost,
  routedFeatures,
} from './routingModel';
import { LABELS } from '../apply/types';
import {
  DEFAULT_SUBSET,
  DestinationRule,
  MatchOptions,
  RoutingTarget,
  VirtualService,
} from './types';
import { RoutingViolationError, validateRouting } from './validateRouting';
import { HostPod, baseIsolationViolations } from './hostPods';
import {
  planBackendRemovals,
  planRouteChanges,
  sameSet,
} from './featureSetChanges';

/**
 * Fails every change that would route or prepare a feature while plain requests to the host could reach a
 * feature pod (see baseIsolationViolations). Removals still run: they only take feature routes away.
 */
export function failIsolation(
  input: Pick<BatchPlanInput, 'target' | 'pods'> & {
    changes: Array<Pick<FeatureSetChange, 'add' | 'replace'>>;
  },
  errors: Array<Error | undefined>,
) {
  if (!input.pods) return;
  const violations = baseIsolationViolations(input.target, input.pods);
  if (!violations.length) return;
  const error = new RoutingViolationError(violations);
  input.changes.forEach((c, i) => {
    if (c.add?.length || c.replace?.length) errors[i] = error;
  });
}

/** A change of one of a service's two feature sets; `replace` wins over add/remove. */
export type FeatureSetChange = RoutingSetChange<'subsets'>;

/** What one batch writes, in this order (make-before-break), and each change's error. */
export interface BatchPlan {
  /** The DR with every added subset (before the VS). */
  make?: DestinationRule;
  virtualService?: VirtualService;
  /** The gateway-bound VSs to the host whose routes change (after the mesh VS). */
  gatewayVirtualServices: VirtualService[];
  /** The DR without the removed subsets (after the VS). */
  break?: DestinationRule;
  /** A release with no feature left: the objects routing created to delete, by name (after the VSs). */
  release?: { destinationRule?: string; virtualService?: string };
  /** One entry per change: undefined when it will be written, else why not. */
  errors: (RoutingViolationError | undefined)[];
}

export interface BatchPlanInput {
  target: RoutingTarget;
  match: MatchOptions;
  changes: FeatureSetChange[];
  /** The live DR of the host and the live VSs of its namespace. */
  destinationRule?: DestinationRule;
  virtualServices: VirtualService[];
  /** `service` mode: the live instance Services of the features added (a feature's route needs its own). */
  services?: Set<string>;
  /** The pods behind the host's Service, live; omitted, readiness and base isolation are not checked. */
  pods?: HostPod[];
}

/** Whether two VSs hold the same routes (the API server returns maps with sorted keys). */
function sameHttp(a: VirtualService, b: VirtualService): boolean {
  return (
    stableStringify(a.spec?.http ?? []) === stableStringify(b.spec?.http ?? [])
  );
}

function missingSubsets(host: string, features: string[], why: string) {
  return new RoutingViolationError(
    features.map(subset => ({
      code: 'missing-subset' as const,
      subset,
      message: `${why}: feature ${subset} of ${host}`,
    })),
  );
}

/**
 * Plans a batch of changes against the live objects (pure). It never plans a VS route to a subset the DR
 * lacks, nor the removal of a subset a route still uses, nor a VS with any violation; the changes that would
 * do so get an error instead, the others are still planned.
 */
export function planBatch(input: BatchPlanInput): BatchPlan {
  const { target, changes } = input;
  const forHost = input.virtualServices.filter(v =>
    isMeshVirtualServiceFor(v, target),
  );
  if (forHost.length > 1) {
    const error = new RoutingViolationError(
      validateRouting({ target, vs: forHost, dr: input.destinationRule }),
    );
    return { errors: changes.map(() => error), gatewayVirtualServices: [] };
  }
  const live = forHost[0];
  const errors: BatchPlan['errors'] = changes.map(() => undefined);
  const routesBefore = routedFeatures(live);
  if (target.mode === 'service') {
    return planServiceBatch(input, live, routesBefore);
  }
  const subsetsBefore = featureSubsets(input.destinationRule);

  failIsolation(input, errors);
  // Every subset any change adds exists before the VS is written.
  const made = new Set(subsetsBefore);
  for (const [i, c] of changes.entries()) {
    if (c.set === 'subsets' && !errors[i])
      (c.replace ?? c.add ?? []).forEach(f => made.add(f));
  }

  let routes = planRouteChanges(input, errors, routesBefore, {
    has: f => made.has(f),
    missing: missing =>
      missingSubsets(target.host, missing, 'a route needs its DR subset first'),
  });

  // With a DR, the VSs pin requests without the header to `default` even before a feature is routed: the
  // feature pods are endpoints of the base Service as soon as they are ready.
  const hasSubsets = !!input.destinationRule || made.size > subsetsBefore.size;
  let virtualService: VirtualService | undefined;
  let gatewayVirtualServices: VirtualService[] = [];
  if (!sameSet(routes, routesBefore) || hasSubsets) {
    const { desired, gateways, desiredGateways } = desiredVirtualServices(
      input,
      live,
      routes,
    );
    const violations = validateRouting({
      target,
      vs: [desired, ...desiredGateways],
      dr: computeDestinationRule({ ...target, features: made }),
    });
    if (violations.length) {
      const error = new RoutingViolationError(violations);
      changes.forEach((c, i) => {
        if (c.set === 'routes' && !errors[i]) errors[i] = error;
      });
      routes = routesBefore;
    } else {
      if (!live || !sameHttp(live, desired)) virtualService = desired;
      gatewayVirtualServices = desiredGateways.filter(
        (vs, i) => !sameHttp(gateways[i], vs),
      );
    }
  }

  const subsets = planBackendRemovals({
    set: 'subsets',
    changes,
    errors,
    backendsBefore: subsetsBefore,
    routes,
    stillRouted: routed =>
      missingSubsets(target.host, routed, 'a routed subset cannot be removed'),
  });
  // A route whose subset came from a change that failed still needs that subset.
  routes.forEach(f => subsets.add(f));

  if (isRelease(changes, routes, subsets)) {
    return { errors, ...planRelease(input, live) };
  }
  return {
    make: sameSet(made, subsetsBefore)
      ? undefined
      : computeDestinationRule({ ...target, features: made }),
    virtualService,
    gatewayVirtualServices,
    break: sameSet(subsets, made)
      ? undefined
      : computeDestinationRule({ ...target, features: subsets }),
    errors,
  };
}

/**
 * `service` mode: the backends are the instances' own Services, applied with the instances (a `subsets`
 * change writes nothing); a route is planned only to a feature whose Service exists, and no DR is written.
 */
function planServiceBatch(
  input: BatchPlanInput,
  live: VirtualService | undefined,
  routesBefore: Set<string>,
): BatchPlan {
  const { target, changes } = input;
  const errors: BatchPlan['errors'] = changes.map(() => undefined);
  failIsolation(input, errors);
  const routes = planRouteChanges(input, errors, routesBefore, {
    has: f => !!input.services?.has(instanceServiceName(target.host, f)),
    missing: missing =>
      new RoutingViolationError(
        missing.map(feature => ({
          code: 'missing-backend' as const,
          backend: instanceServiceName(target.host, feature),
          message: `a route needs its instance Service first: Service ${instanceServiceName(
            target.host,
            feature,
          )} of feature ${feature} does not exist`,
        })),
      ),
  });
  if (isRelease(changes, routes, new Set())) {
    return { errors, ...planRelease(input, live) };
  }
  if (sameSet(routes, routesBefore))
    return { errors, gatewayVirtualServices: [] };
  const { desired, desiredGateways } = desiredVirtualServices(
    input,
    live,
    routes,
  );
  return {
    errors,
    virtualService: desired,
    gatewayVirtualServices: desiredGateways,
  };
}

/**
 * The host's mesh VS (the live one, or a generated one named after the host, `<host>-mesh` when a chart took
 * that name) and every gateway-bound VS to the host, each with exactly these feature routes.
 */
function desiredVirtualServices(
  input: BatchPlanInput,
  live: VirtualService | undefined,
  routes: Set<string>,
) {
  const { target, match } = input;
  const nameTaken = input.virtualServices.some(
    v => v.metadata?.name === target.host,
  );
  const desired = computeVirtualService({
    ...target,
    ...match,
    features: routes,
    virtualService: live,
    generatedName: !live && nameTaken ? `${target.host}-mesh` : undefined,
  });
  const gateways = gatewayVirtualServicesFor(input.virtualServices, target);
  const desiredGateways = gateways.map(vs =>
    computeVirtualService({
      ...target,
      ...match,
      features: routes,
      virtualService: vs,
    }),
  );
  return { desired, gateways, desiredGateways };
}

/** Whether a release was asked for and no feature is left with a route or a subset. */
function isRelease(
  changes: FeatureSetChange[],
  routes: Set<string>,
  subsets: Set<string>,
) {
  return changes.some(c => c.release) && !routes.size && !subsets.size;
}

/** A VS the release applier applied for a chart (it carries the release label), not one routing generated. */
function isChartOwned(vs: VirtualService): boolean {
  return !!vs.metadata?.labels?.[LABELS.service];
}

/** The VS with its routes to the target host unpinned from `default` (as the chart rendered them). */
function unpinned(vs: VirtualService, target: BatchPlanInput['target']) {
  const http = (vs.spec.http ?? []).map(route => ({
    ...route,
    route: route.route?.map(d => {
      if (
        !isTargetHost(d.destination?.host, target) ||
        d.destination.subset !== DEFAULT_SUBSET
      ) {
        return d;
      }
      const { subset: _pin, ...destination } = d.destination;
      return { ...d, destination };
    }),
  }));
  return { ...vs, spec: { ...vs.spec, http } };
}

/**
 * No feature is left: the DR and a generated mesh VS are deleted, and the chart's own VSs (mesh and gateway)
 * get back the routes it rendered, without the `default` pins.
 */
function planRelease(
  input: BatchPlanInput,
  live: VirtualService | undefined,
): Omit<BatchPlan, 'errors'> {
  const { target } = input;
  const changed = (vs: VirtualService) => {
    const next = unpinned(vs, target);
    return sameHttp(vs, next) ? undefined : next;
  };
  const chartMesh = live && isChartOwned(live) ? live : undefined;
  const generated = live && !isChartOwned(live) ? live : undefined;
  return {
    virtualService: chartMesh && changed(chartMesh),
    gatewayVirtualServices: gatewayVirtualServicesFor(
      input.virtualServices,
      target,
    ).flatMap(vs => changed(vs) ?? []),
    release: {
      ...(input.destinationRule ? { destinationRule: target.host } : {}),
      ...(generated ? { virtualService: generated.metadata?.name } : {}),
    },
  };
}
