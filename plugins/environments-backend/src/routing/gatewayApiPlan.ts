import { InputError } from '@backstage/errors';
import { stableStringify } from '../apply/fingerprint';
import { instanceServiceName } from '../naming';
import { failIsolation } from './batchPlan';
import {
  planBackendRemovals,
  planRouteChanges,
  sameSet,
} from './featureSetChanges';
import {
  chartGatewayRoutesFor,
  withFeatureRules,
} from './gatewayApiChartRoutes';
import { HostPod } from './hostPods';
import {
  computeHttpRoutes,
  isRoutingObjectOf,
  ownRouteIndex,
  routedFeaturesOf,
  sameRouteSpec,
  validateGatewayRouting,
} from './gatewayApiModel';
import {
  computeInstanceService,
  defaultServiceName,
  routedPort,
  sameServiceSpec,
  serviceFeature,
} from './gatewayApiServices';
import { GatewayHTTPRoute, KubeService } from './gatewayApiTypes';
import type { RoutingSetChange } from './RoutingDriver';
import { MatchOptions, RoutingTarget } from './types';
import { RoutingViolationError } from './validateRouting';

/** A change of one of a service's two feature sets; `replace` wins over add/remove. */
export type GatewayFeatureSetChange = RoutingSetChange<'backends'>;

export interface GatewayBatchPlanInput {
  target: RoutingTarget & { namespace: string };
  environment: string;
  match: MatchOptions;
  /** Rules per HTTPRoute (see MAX_HTTP_ROUTE_RULES). */
  maxRules?: number;
  changes: GatewayFeatureSetChange[];
  /** Every live Service of the namespace (the base Service, the driver's, and any that may hold a name). */
  services: KubeService[];
  /** Every live HTTPRoute of the namespace. */
  httpRoutes: GatewayHTTPRoute[];
  /** The pods behind the host's Service, live; omitted, readiness and base isolation are not checked. */
  pods?: HostPod[];
}

/** What one batch writes, in this order (make-before-break), and each change's error. */
export interface GatewayBatchPlan {
  /** Services to create or update before any route: new instance Services, the default Service, drifted ones. */
  make: KubeService[];
  /** HTTPRoutes to create or update. */
  routes: GatewayHTTPRoute[];
  /** The chart's gateway-bound HTTPRoutes to the host whose feature rules change (after `routes`). */
  chartRoutes: GatewayHTTPRoute[];
  /** Live HTTPRoutes of the driver left without any rule (never `<host>` itself). */
  deleteRoutes: GatewayHTTPRoute[];
  /** Live instance Services to delete, after the routes. */
  break: KubeService[];
  /** One entry per change: undefined when it will be written, else why not. */
  errors: (Error | undefined)[];
}

function violationError(
  code: 'missing-backend' | 'name-taken',
  host: string,
  names: Array<{ feature?: string; backend: string }>,
  why: string,
) {
  return new RoutingViolationError(
    names.map(({ feature, backend }) => ({
      code,
      backend,
      ...(feature ? { subset: feature } : {}),
      message: `${why}: ${
        feature ? `feature ${feature} of ${host}` : `${host}`
      } (Service ${backend})`,
    })),
  );
}

/**
 * Plans a batch of changes against the live objects (pure), as planBatch does for Istio: it never plans a rule
 * to an instance Service that will not exist, nor the deletion of an instance Service a rule still sends to,
 * nor HTTPRoutes with any violation (see validateGatewayRouting); the changes that would do so get an error
 * instead, the others are still planned.
 */
export function planGatewayBatch(
  input: GatewayBatchPlanInput,
): GatewayBatchPlan {
  const { target, changes, environment } = input;
  const { host, namespace } = target;
  const plan: GatewayBatchPlan = {
    make: [],
    routes: [],
    chartRoutes: [],
    deleteRoutes: [],
    break: [],
    errors: changes.map(() => undefined),
  };
  const { errors } = plan;
  failIsolation(input, errors);

  const ownRoutes = input.httpRoutes.filter(
    r => ownRouteIndex(r, host) !== undefined,
  );
  const foreign = validateGatewayRouting({
    target,
    httpRoutes: input.httpRoutes,
    services: [],
  }).filter(v => v.code === 'foreign-http-route');
  if (foreign.length) {
    const error = new RoutingViolationError(foreign);
    return { ...plan, errors: changes.map(() => error) };
  }

  const servicesByName = new Map(
    input.services.map(s => [s.metadata?.name ?? '', s]),
  );
  const ownServices = new Map<string, KubeService>();
  const featureOfService = new Map<string, string>();
  for (const service of input.services) {
    const feature = serviceFeature(service);
    if (!feature || !isRoutingObjectOf(service, host)) continue;
    ownServices.set(feature, service);
    featureOfService.set(service.metadata!.name!, feature);
  }
  /** Whether a name the driver needs is held by an object that is not the driver's for that feature. */
  const taken = (name: string, feature: string | undefined) => {
    const live = servicesByName.get(name);
    return (
      !!live &&
      !(isRoutingObjectOf(live, host) && serviceFeature(live) === feature)
    );
  };

  const base = servicesByName.get(host);
  let port: number | undefined;
  let baseError: Error | undefined;
  if (!base) {
    baseError = new InputError(
      `host: there is no Service '${host}' in namespace '${namespace}'`,
    );
  } else {
    try {
      port = routedPort(base);
      // Checks the selector too.
      computeInstanceService({ target, environment, base });
    } catch (error) {
      baseError = error as Error;
    }
  }
  const primary = ownRoutes.find(r => ownRouteIndex(r, host) === 1);
  // Without a usable base Service, routes can still be removed (on the port they were written for).
  port ??= primary?.spec.parentRefs?.[0]?.port;

  const backendsBefore = new Set(ownServices.keys());
  const routesBefore = new Set<string>();
  for (const route of ownRoutes) {
    routedFeaturesOf(route, featureOfService).forEach(f => routesBefore.add(f));
  }

  // Every instance Service any change adds exists before the routes are written.
  const made = new Set(backendsBefore);
  changes.forEach((c, i) => {
    if (c.set !== 'backends' || errors[i]) return;
    const adds = (c.replace ?? c.add ?? []).filter(f => !made.has(f));
    if (!adds.length) return;
    if (baseError) {
      errors[i] = baseError;
      return;
    }
    const conflicts = adds
      .map(feature => ({
        feature,
        backend: instanceServiceName(host, feature),
      }))
      .filter(({ feature, backend }) => taken(backend, feature));
    if (conflicts.length) {
      errors[i] = violationError(
        'name-taken',
        host,
        conflicts,
        'the instance Service name is taken by a Service envmesh does not keep for it',
      );
      return;
    }
    adds.forEach(f => made.add(f));
  });

  /** The error of a change that needs the instance Services of these features. */
  const missingInstances = (features: string[], why: string) =>
    violationError(
      'missing-backend',
      host,
      features.map(feature => ({
        feature,
        backend: instanceServiceName(host, feature),
      })),
      why,
    );
  // Rules already broken are dropped when the routes are rewritten.
  let routes = planRouteChanges(input, errors, routesBefore, {
    has: f => made.has(f),
    missing: missing =>
      missingInstances(missing, 'a route needs its instance Service first'),
  });

  const routeErrors = (error: Error) => {
    changes.forEach((c, i) => {
      if (c.set === 'routes' && !errors[i]) errors[i] = error;
    });
    routes = routesBefore;
  };
  const defaultName = defaultServiceName(host);
  const defaultTaken = taken(defaultName, undefined);
  const routesChanged = !sameSet(routes, routesBefore);
  if (
    routesChanged &&
    (port === undefined || (baseError && !servicesByName.has(defaultName)))
  ) {
    routeErrors(baseError!);
  } else if (routesChanged && defaultTaken) {
    routeErrors(
      violationError(
        'name-taken',
        host,
        [{ backend: defaultName }],
        'the default Service name is taken by a Service envmesh does not keep for it',
      ),
    );
  }

  let desiredRoutes: GatewayHTTPRoute[] = [];
  if (port !== undefined && (routesChanged || ownRoutes.length)) {
    desiredRoutes = computeHttpRoutes({
      ...input.match,
      target,
      environment,
      port,
      features: routes,
      live: ownRoutes.map(r => ({
        index: ownRouteIndex(r, host)!,
        features: routedFeaturesOf(r, featureOfService),
      })),
      maxRules: input.maxRules,
    });
    // A route name held by somebody else's HTTPRoute (for another parent).
    const held = desiredRoutes
      .map(r => r.metadata!.name!)
      .filter(name =>
        input.httpRoutes.some(
          r =>
            r.metadata?.name === name && ownRouteIndex(r, host) === undefined,
        ),
      );
    const services = new Set(servicesByName.keys());
    made.forEach(f => services.add(instanceServiceName(host, f)));
    if (defaultTaken) services.delete(defaultName);
    else if (!baseError) services.add(defaultName);
    const violations = [
      ...held.map(name => ({
        code: 'name-taken' as const,
        route: name,
        message: `the HTTPRoute name ${name} is taken by an HTTPRoute envmesh does not keep for ${host}`,
      })),
      ...validateGatewayRouting({
        target,
        httpRoutes: desiredRoutes,
        services,
        maxRules: input.maxRules,
      }),
    ];
    if (violations.length) {
      routeErrors(new RoutingViolationError(violations));
      desiredRoutes = [];
    }
  }

  const backends = planBackendRemovals({
    set: 'backends',
    changes,
    errors,
    backendsBefore,
    routes,
    stillRouted: routed =>
      missingInstances(routed, 'a routed instance Service cannot be removed'),
  });
  // A route whose backend came from a change that failed still needs that backend.
  routes.forEach(f => backends.add(f));

  if (base && !baseError) {
    const desired = [...backends].map(feature =>
      computeInstanceService({ target, environment, base, feature }),
    );
    if (!defaultTaken && (backends.size || routes.size || ownRoutes.length)) {
      desired.push(computeInstanceService({ target, environment, base }));
    }
    plan.make = desired.filter(s => {
      const live = servicesByName.get(s.metadata!.name!);
      return !live || !sameServiceSpec(live, s);
    });
  }
  plan.routes = desiredRoutes.filter(r => {
    const live = ownRoutes.find(o => o.metadata?.name === r.metadata!.name);
    return !live || !sameRouteSpec(live, r);
  });
  if (desiredRoutes.length) {
    const keep = new Set(desiredRoutes.map(r => r.metadata!.name));
    plan.deleteRoutes = ownRoutes.filter(r => !keep.has(r.metadata?.name));
  }
  plan.break = [...ownServices.entries()]
    .filter(([feature]) => !backends.has(feature))
    .map(([, service]) => service);
  plan.chartRoutes = chartGatewayRoutesFor(input.httpRoutes, target).flatMap(
    route => {
      const desired = withFeatureRules(route, target, routes, input.match);
      return stableStringify(desired.spec.rules) ===
        stableStringify(route.spec.rules)
        ? []
        : [desired];
    },
  );
  if (changes.some(c => c.release) && !routes.size && !backends.size) {
    // No feature is left: the host's HTTPRoutes go, then its default Service; the chart's objects stay.
    const defaultService = servicesByName.get(defaultName);
    plan.make = [];
    plan.routes = [];
    plan.deleteRoutes = ownRoutes;
    if (defaultService && !defaultTaken) plan.break.push(defaultService);
  }
  return plan;
}
