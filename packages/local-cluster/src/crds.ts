/**
 * Minimal CustomResourceDefinitions for the kinds envmesh writes: Istio networking, Gateway API and
 * cert-manager. Schemas are open (spec and status keep unknown fields): the API server stores and serves the
 * objects, which is all tests and make dev need; no controller acts on them here.
 */

interface CrdKind {
  group: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  /** Served versions, the first one is the storage version. */
  versions: string[];
}

export const LOCAL_CLUSTER_CRDS: CrdKind[] = [
  {
    group: 'networking.istio.io',
    kind: 'VirtualService',
    plural: 'virtualservices',
    shortNames: ['vs'],
    versions: ['v1', 'v1beta1', 'v1alpha3'],
  },
  {
    group: 'networking.istio.io',
    kind: 'DestinationRule',
    plural: 'destinationrules',
    shortNames: ['dr'],
    versions: ['v1', 'v1beta1', 'v1alpha3'],
  },
  {
    group: 'networking.istio.io',
    kind: 'Gateway',
    plural: 'gateways',
    shortNames: ['gw'],
    versions: ['v1', 'v1beta1', 'v1alpha3'],
  },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    plural: 'gateways',
    shortNames: ['gtw'],
    versions: ['v1', 'v1beta1'],
  },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    versions: ['v1', 'v1beta1'],
  },
  {
    group: 'cert-manager.io',
    kind: 'Certificate',
    plural: 'certificates',
    shortNames: ['cert', 'certs'],
    versions: ['v1'],
  },
];

const openObject = {
  type: 'object',
  // The client's typed models serialize this as x-kubernetes-preserve-unknown-fields.
  x_kubernetes_preserve_unknown_fields: true,
};

/** The CustomResourceDefinition object for one kind. */
export function crdManifest(crd: CrdKind) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${crd.plural}.${crd.group}`,
      labels: { 'app.kubernetes.io/managed-by': 'envmesh-local-cluster' },
      // Groups under k8s.io are protected; the API server wants the approving KEP/PR named.
      ...(crd.group.endsWith('.k8s.io')
        ? {
            annotations: {
              'api-approved.kubernetes.io':
                'https://github.com/kubernetes-sigs/gateway-api/pull/1538',
            },
          }
        : {}),
    },
    spec: {
      group: crd.group,
      scope: 'Namespaced',
      names: {
        kind: crd.kind,
        listKind: `${crd.kind}List`,
        plural: crd.plural,
        singular: crd.kind.toLowerCase(),
        ...(crd.shortNames ? { shortNames: crd.shortNames } : {}),
      },
      versions: crd.versions.map((name, index) => ({
        name,
        served: true,
        storage: index === 0,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: openObject, status: openObject },
          },
        },
      })),
    },
  };
}
