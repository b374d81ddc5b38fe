import { InputError } from '@backstage/errors';
import { V1ServicePort } from '@kubernetes/client-node';
import { LABELS, MANAGER } from '../apply/types';
import { INSTANCE_LABEL, instanceServiceName, suffixedName } from '../naming';
import { KubeService, ROUTING_HOST_LABEL } from './gatewayApiTypes';
import { instanceLabel } from './routingModel';
import { DEFAULT_SUBSET, RoutingTarget } from './types';

/*
 * The Services of the Gateway API rendering (see gatewayApiModel): per feature `<host>-<feature>` selecting
 * that feature's instance, per host `<host>-default` selecting only the base pods, both on the routed port.
 */

/** The name of the Service that selects only a host's base pods: `<host>-default`. */
export function defaultServiceName(host: string): string {
  return suffixedName(host, DEFAULT_SUBSET);
}

export function labelsOf(object: {
  metadata?: { labels?: Record<string, string> };
}) {
  return object.metadata?.labels ?? {};
}

function isHttpPort(port: V1ServicePort): boolean {
  const appProtocol = port.appProtocol?.toLowerCase();
  if (
    appProtocol === 'http' ||
    appProtocol === 'http2' ||
    appProtocol === 'kubernetes.io/h2c'
  ) {
    return true;
  }
  // Istio's port naming convention.
  const name = port.name ?? '';
  return /^http2?(-|$)/.test(name);
}

/**
 * The Service port the HTTPRoute attaches to and its backends listen on: the first HTTP port (appProtocol
 * `http`/`http2`/`kubernetes.io/h2c`, or named `http`/`http-*`), else the only port. Other ports are not routed
 * (mesh traffic to them keeps going to every pod of the base Service).
 */
export function routedPort(base: KubeService): number {
  const ports = base.spec?.ports ?? [];
  const chosen =
    ports.find(isHttpPort) ?? (ports.length === 1 ? ports[0] : undefined);
  if (!chosen) {
    throw new InputError(
      `host: the Service '${base.metadata?.name}' has ${
        ports.length ? `${ports.length} ports and none is` : 'no port, so none'
      } an HTTP port (appProtocol http, or named 'http' or 'http-*')`,
    );
  }
  return chosen.port;
}

/**
 * The Service that selects one instance's pods: the base Service's selector with the instance label set to
 * `<service>.<feature>` (or, without a feature, to the base instance), and the base Service's ports.
 * Throws an InputError when the base Service selects no pods (no selector: nothing to narrow down).
 */
export function computeInstanceService(input: {
  target: RoutingTarget;
  environment: string;
  base: KubeService;
  /** Undefined: the host's default Service. */
  feature?: string;
}): KubeService {
  const { target, base, feature } = input;
  const selector = base.spec?.selector;
  if (!selector || !Object.keys(selector).length) {
    throw new InputError(
      `host: the Service '${target.host}' has no selector, so no per-instance Service can narrow it down`,
    );
  }
  const namespace = base.metadata?.namespace ?? target.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: feature
        ? instanceServiceName(target.host, feature)
        : defaultServiceName(target.host),
      ...(namespace ? { namespace } : {}),
      labels: {
        [LABELS.managedBy]: MANAGER,
        [LABELS.environment]: input.environment,
        [ROUTING_HOST_LABEL]: target.host,
        ...(feature ? { [LABELS.feature]: feature } : {}),
      },
    },
    spec: {
      type: 'ClusterIP',
      selector: {
        ...selector,
        [INSTANCE_LABEL]: feature
          ? instanceLabel(target, feature)
          : target.baseInstance,
      },
      ports: (base.spec?.ports ?? []).map(p => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        // Server-side apply needs the list-map key (port, protocol) complete.
        protocol: p.protocol ?? 'TCP',
        ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      })),
    },
  };
}

/** JSON with object keys sorted, for comparing objects however the API server ordered them. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          // Keys are unique: never equal.
          Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** Whether a live Service already has the selector and ports of the desired one (API defaults ignored). */
export function sameServiceSpec(
  live: KubeService,
  desired: KubeService,
): boolean {
  const ports = (s: KubeService) =>
    (s.spec?.ports ?? []).map(p => ({
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      targetPort: p.targetPort ?? p.port,
      appProtocol: p.appProtocol ?? '',
    }));
  return (
    canonical(live.spec?.selector ?? {}) ===
      canonical(desired.spec?.selector ?? {}) &&
    canonical(ports(live)) === canonical(ports(desired))
  );
}

/** The feature of one of the driver's instance Services, undefined for the default Service. */
export function serviceFeature(service: KubeService): string | undefined {
  return labelsOf(service)[LABELS.feature] || undefined;
}
