/** The label and taint that mark the node pool reserved for feature instances. */
export const FEATURE_NODE_POOL = {
  label: { key: 'envmesh.io/node-pool', value: 'feature' },
  taint: {
    key: 'envmesh.io/node-pool',
    value: 'feature',
    effect: 'NoSchedule',
  },
};

export interface FakeNodeSpec {
  name: string;
  pool: 'general' | 'feature';
}

export const DEFAULT_NODES: FakeNodeSpec[] = [
  { name: 'kwok-general-1', pool: 'general' },
  { name: 'kwok-general-2', pool: 'general' },
  { name: 'kwok-feature-1', pool: 'feature' },
];

/** The annotation kwok is started to select: only these nodes are faked by it. */
export const KWOK_NODE_ANNOTATION = {
  key: 'kwok.x-k8s.io/node',
  value: 'fake',
};

/**
 * Each fake node's capacity: enough for a fleet (16 environments of 300 services with ordinary requests on two
 * general nodes); ENVMESH_LOCAL_NODE_CPU, _MEMORY and _PODS change it.
 */
function capacity() {
  return {
    cpu: process.env.ENVMESH_LOCAL_NODE_CPU ?? '1000',
    memory: process.env.ENVMESH_LOCAL_NODE_MEMORY ?? '4Ti',
    pods: process.env.ENVMESH_LOCAL_NODE_PODS ?? '10000',
  };
}

/** A Node object that kwok will keep Ready and whose bound pods it makes Running. */
export function fakeNodeManifest(node: FakeNodeSpec) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: {
        [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value,
        'node.alpha.kubernetes.io/ttl': '0',
      },
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        [FEATURE_NODE_POOL.label.key]: node.pool,
      },
    },
    spec: node.pool === 'feature' ? { taints: [FEATURE_NODE_POOL.taint] } : {},
    status: {
      allocatable: capacity(),
      capacity: capacity(),
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        containerRuntimeVersion: 'kwok',
      },
    },
  };
}
