import { KubernetesObject } from '@kubernetes/client-node';
import {
  EnvironmentSpec,
  ObjectRef,
} from '@envmesh/plugin-environments-common';

/** The class of the Gateway API Gateways envmesh renders (Istio's controller). */
const GATEWAY_CLASS = 'istio';

type EnvironmentGateway = EnvironmentSpec['resources']['gateways'][number];

/**
 * A gateway of the environment as a Gateway API Gateway (for the `gateway-api` routing driver, whose
 * routes attach to it): an HTTP listener per host, and an HTTPS one terminating with the credential when
 * it has TLS; routes of the environment's namespace may attach.
 */
function gatewayApiGateway(
  gateway: EnvironmentGateway,
  hosts: string[],
): KubernetesObject {
  const listener = (protocol: 'HTTP' | 'HTTPS', host: string, i: number) => ({
    name: `${protocol.toLowerCase()}-${i}`,
    hostname: host,
    port: protocol === 'HTTP' ? 80 : 443,
    protocol,
    allowedRoutes: { namespaces: { from: 'Same' } },
    ...(protocol === 'HTTPS'
      ? {
          tls: {
            mode: 'Terminate',
            certificateRefs: [{ name: gateway.tls!.credentialName }],
          },
        }
      : {}),
  });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: {
      name: gateway.name,
      ...(gateway.namespace ? { namespace: gateway.namespace } : {}),
    },
    spec: {
      gatewayClassName: GATEWAY_CLASS,
      listeners: [
        ...hosts.map((h, i) => listener('HTTP', h, i)),
        ...(gateway.tls ? hosts.map((h, i) => listener('HTTPS', h, i)) : []),
      ],
    },
  } as KubernetesObject;
}

/**
 * The environment's own objects, applied as its release '' before any service: ConfigMaps of its config, and
 * its gateways (Istio Gateways, or Gateway API Gateways for the `gateway-api` routing driver) and cert-manager
 * Certificates. Secrets are not here: their values never pass through the store, see SecretWriter.
 */
export function environmentObjects(
  spec: EnvironmentSpec,
  gateways: 'istio' | 'gateway-api' = 'istio',
): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const configMap of spec.config.configMaps) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMap.name },
      data: configMap.data,
    } as KubernetesObject);
  }
  for (const certificate of spec.resources.certificates) {
    objects.push({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: certificate.name,
        ...(certificate.namespace ? { namespace: certificate.namespace } : {}),
      },
      spec: {
        secretName: certificate.secretName,
        dnsNames: certificate.dnsNames,
        issuerRef: {
          name: certificate.issuerRef.name,
          kind: certificate.issuerRef.kind ?? 'Issuer',
          group: certificate.issuerRef.group ?? 'cert-manager.io',
        },
      },
    } as KubernetesObject);
  }
  const preview = previewGateway(spec);
  for (const gateway of spec.resources.gateways) {
    const hosts =
      gateway === preview?.gateway && !gateway.hosts.includes(preview.wildcard)
        ? [...gateway.hosts, preview.wildcard]
        : gateway.hosts;
    if (gateways === 'gateway-api') {
      objects.push(gatewayApiGateway(gateway, hosts));
      continue;
    }
    const servers: object[] = [
      {
        port: { number: 80, name: 'http', protocol: 'HTTP' },
        hosts,
        ...(gateway.tls?.httpsRedirect ? { tls: { httpsRedirect: true } } : {}),
      },
    ];
    if (gateway.tls) {
      servers.push({
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts,
        tls: { mode: 'SIMPLE', credentialName: gateway.tls.credentialName },
      });
    }
    objects.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: {
        name: gateway.name,
        ...(gateway.namespace ? { namespace: gateway.namespace } : {}),
      },
      spec: {
        selector: gateway.selector ?? { istio: 'ingressgateway' },
        servers,
      },
    } as KubernetesObject);
  }
  return objects;
}

/**
 * The gateway preview hosts are bound to: the environment's first Gateway, when it has a previewDomain. It
 * serves the wildcard host `*.<previewDomain>` (added if its hosts lack it).
 */
export function previewGateway(spec: EnvironmentSpec) {
  const [gateway] = spec.resources.gateways;
  if (!spec.previewDomain || !gateway) return undefined;
  return {
    gateway,
    namespace: gateway.namespace ?? spec.namespace,
    wildcard: `*.${spec.previewDomain}`,
  };
}

/** References to the environment's Secrets of these names, in its namespace. */
export function secretRefs(
  spec: EnvironmentSpec,
  names: string[],
): ObjectRef[] {
  return names.map(name => ({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: spec.namespace,
    name,
  }));
}

/** The environment's namespace, labelled so that envmesh's objects can be found. */
export function namespaceObject(spec: EnvironmentSpec): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: spec.namespace,
      labels: {
        'app.kubernetes.io/managed-by': 'envmesh',
        'envmesh.io/environment': spec.name,
        ...(spec.routing?.sidecarInjection
          ? { 'istio-injection': 'enabled' }
          : {}),
      },
    },
  };
}
