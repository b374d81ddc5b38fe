import { KubernetesObject, Watch } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@envmesh/local-cluster';
import { DynamicClient } from '../../apply/DynamicClient';
import { GatewayApiRoutingWriter } from '../GatewayApiRoutingWriter';
import { instanceServiceName } from '../../naming';
import { routeBackends, validateGatewayRouting } from '../gatewayApiModel';
import {
  GATEWAY_API_VERSION,
  GatewayHTTPRoute,
  KubeService,
} from '../gatewayApiTypes';
import {
  RoutingDriver,
  RoutingDriverKind,
  ServiceRoutingRef,
} from '../RoutingDriver';
import { RoutingWriter } from '../RoutingWriter';
import { DestinationRule, ISTIO_API_VERSION, VirtualService } from '../types';
import { RoutingViolation, validateRouting } from '../validateRouting';

// Test helpers for the routing drivers, against the real local cluster of the package's jest global setup.

export const kc = testKubeConfig();
export const client = DynamicClient.for(kc);

/** The base Service as the example chart renders it: selects by app.kubernetes.io/name only. */
export function baseService(namespace: string, name = 'demo-api'): KubeService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': name },
      ports: [
        {
          name: 'http',
          port: 8080,
          targetPort: 'http' as any,
          protocol: 'TCP',
          appProtocol: 'http',
        },
      ],
    },
  };
}

/** A namespace with the base Service `demo-api` and the routing ref of that service. */
export async function routedNamespace(prefix: string) {
  const ns = await createTestNamespace(prefix);
  await client.create(baseService(ns.name) as KubernetesObject);
  const ref: ServiceRoutingRef = {
    kubeConfig: kc,
    namespace: ns.name,
    environment: 'dev-1',
    host: 'demo-api',
    baseInstance: 'demo-api',
  };
  return { ns, ref };
}

/** The routing objects of a namespace at one moment, by kind. */
export type Snapshot = Map<string, KubernetesObject[]>;

/** Each driver's objects and how to judge them, so that one set of behaviour tests runs for both. */
type CountingDriver = RoutingDriver & {
  stats: { batches: number; writes: number; conflicts: number };
};

export interface DriverHarness {
  kind: RoutingDriverKind;
  create(): CountingDriver;
  /** The collections the driver writes: listed and watched while a test records. */
  collections(
    namespace: string,
  ): Array<{ apiVersion: string; kind: string; path: string }>;
  /** What is wrong with the routing at one moment ([] before the driver wrote anything). */
  violations(ref: ServiceRoutingRef, objects: Snapshot): RoutingViolation[];
  routed(ref: ServiceRoutingRef, objects: Snapshot, feature: string): boolean;
  hasBackend(
    ref: ServiceRoutingRef,
    objects: Snapshot,
    feature: string,
  ): boolean;
  /**
   * What the cluster holds, in a shape {@link routedAs} describes: the feature sets, the number of route
   * entries (feature routes + the default one), whether the default route comes last, the number of backends
   * (feature backends + the default one) and the violations.
   */
  summary(driver: RoutingDriver, ref: ServiceRoutingRef): Promise<Summary>;
}

export interface Summary {
  backends: string[];
  routes: string[];
  routeEntries: number;
  defaultLast: boolean;
  backendEntries: number;
  violations: RoutingViolation[];
}

/** One route and one backend per feature, plus the default ones (last route), and nothing wrong. */
export function routedAs(features: string[]): Summary {
  const sorted = [...features].sort();
  return {
    backends: sorted,
    routes: sorted,
    routeEntries: features.length + 1,
    defaultLast: true,
    backendEntries: features.length + 1,
    violations: [],
  };
}

async function snapshot(ref: ServiceRoutingRef, harness: DriverHarness) {
  const objects: Snapshot = new Map();
  for (const c of harness.collections(ref.namespace)) {
    const list = await client.list(c.apiVersion, c.kind, ref.namespace);
    objects.set(c.kind, list.items);
  }
  return objects;
}

const istio: DriverHarness = {
  kind: 'istio',
  create: () => new RoutingWriter(),
  collections: namespace =>
    ['VirtualService', 'DestinationRule'].map(kind => ({
      apiVersion: ISTIO_API_VERSION,
      kind,
      path: `/apis/${ISTIO_API_VERSION}/namespaces/${namespace}/${kind.toLowerCase()}s`,
    })),
  violations(ref, objects) {
    const vs = (objects.get('VirtualService') ?? []) as VirtualService[];
    const dr = (objects.get('DestinationRule') ?? [])[0] as DestinationRule;
    if (!vs.length || !dr) return [];
    return validateRouting({ target: ref, vs, dr });
  },
  routed: (_ref, objects, feature) =>
    JSON.stringify(objects.get('VirtualService') ?? []).includes(
      `"subset":"${feature}"`,
    ),
  hasBackend: (_ref, objects, feature) =>
    ((objects.get('DestinationRule') ?? []) as DestinationRule[]).some(dr =>
      dr.spec.subsets?.some(s => s.name === feature),
    ),
  async summary(driver, ref) {
    const state = await (driver as RoutingWriter).read(ref);
    const http = state.virtualService?.spec.http ?? [];
    return {
      backends: state.backends,
      routes: state.routes,
      routeEntries: http.length,
      defaultLast: http[http.length - 1]?.name === 'default',
      backendEntries: state.destinationRule?.spec.subsets?.length ?? 0,
      violations: this.violations(ref, await snapshot(ref, this)),
    };
  },
};

const gatewayApi: DriverHarness = {
  kind: 'gateway-api',
  create: () => new GatewayApiRoutingWriter(),
  collections: namespace => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      path: `/api/v1/namespaces/${namespace}/services`,
    },
    {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'HTTPRoute',
      path: `/apis/${GATEWAY_API_VERSION}/namespaces/${namespace}/httproutes`,
    },
  ],
  violations(ref, objects) {
    return validateGatewayRouting({
      target: ref,
      httpRoutes: (objects.get('HTTPRoute') ?? []) as GatewayHTTPRoute[],
      services: (objects.get('Service') ?? []).map(s => s.metadata!.name!),
    });
  },
  routed: (ref, objects, feature) =>
    ((objects.get('HTTPRoute') ?? []) as GatewayHTTPRoute[]).some(r =>
      routeBackends(r).includes(instanceServiceName(ref.host, feature)),
    ),
  hasBackend: (ref, objects, feature) =>
    (objects.get('Service') ?? []).some(
      s => s.metadata?.name === instanceServiceName(ref.host, feature),
    ),
  async summary(driver, ref) {
    const state = await (driver as GatewayApiRoutingWriter).read(ref);
    const rules = state.httpRoutes.flatMap(r => r.spec.rules ?? []);
    const primaryRules = state.httpRoutes[0]?.spec.rules ?? [];
    const last = primaryRules[primaryRules.length - 1];
    return {
      backends: state.backends,
      routes: state.routes,
      routeEntries: rules.length,
      defaultLast:
        !last?.matches &&
        last?.backendRefs?.[0]?.name === state.defaultService?.metadata?.name,
      backendEntries:
        Object.keys(state.instanceServices).length +
        (state.defaultService ? 1 : 0),
      violations: this.violations(ref, await snapshot(ref, this)),
    };
  },
};

export const DRIVER_HARNESSES: DriverHarness[] = [istio, gatewayApi];

/**
 * Records every version of a driver's objects in a namespace, from a list and then a client-node Watch per
 * collection; {@link replay} turns the events back into the states the cluster went through.
 */
export async function recordRouting(harness: DriverHarness, namespace: string) {
  const events: { rv: number; kind: string; name: string; object?: any }[] = [];
  const watch = new Watch(kc);
  const controllers: AbortController[] = [];
  for (const c of harness.collections(namespace)) {
    const list = await client.list(c.apiVersion, c.kind, namespace);
    for (const object of list.items) {
      events.push({
        rv: Number(object.metadata!.resourceVersion),
        kind: c.kind,
        name: object.metadata!.name!,
        object,
      });
    }
    controllers.push(
      await watch.watch(
        c.path,
        { resourceVersion: list.metadata!.resourceVersion },
        (type: string, object: KubernetesObject) => {
          const event = {
            rv: Number(object.metadata?.resourceVersion),
            kind: c.kind,
            name: object.metadata!.name!,
          };
          if (type === 'ADDED' || type === 'MODIFIED') {
            events.push({ ...event, object });
          } else if (type === 'DELETED') events.push(event);
        },
        () => {},
      ),
    );
  }
  return {
    events,
    /** Waits until the watches delivered the state the namespace now holds (deletions included). */
    async caughtUp() {
      const key = (objects: Snapshot) =>
        JSON.stringify(
          [...objects.entries()]
            .map(([kind, items]) => [
              kind,
              items
                .map(o => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
                .sort(),
            ])
            .sort(),
        );
      const now = key(
        await snapshot({ namespace } as ServiceRoutingRef, harness),
      );
      for (let i = 0; i < 100; i++) {
        let last: Snapshot = new Map();
        for (const state of this.replay()) last = state;
        for (const c of harness.collections(namespace)) {
          if (!last.has(c.kind)) last.set(c.kind, []);
        }
        if (key(last) === now) return;
        await new Promise(r => setTimeout(r, 50));
      }
      throw new Error('the watches did not catch up');
    },
    /** The states of the namespace's routing, one per event, in resourceVersion (etcd revision) order. */
    *replay(): Generator<Snapshot> {
      // Watch streams have no order between them: replay them all by resourceVersion.
      const live = new Map<string, Map<string, KubernetesObject>>();
      for (const event of [...events].sort((a, b) => a.rv - b.rv)) {
        const byName = live.get(event.kind) ?? new Map();
        live.set(event.kind, byName);
        if (event.object) byName.set(event.name, event.object);
        else byName.delete(event.name);
        yield new Map(
          [...live.entries()].map(([kind, objects]) => [
            kind,
            [...objects.values()],
          ]),
        );
      }
    },
    stop: () => controllers.forEach(c => c.abort()),
  };
}
