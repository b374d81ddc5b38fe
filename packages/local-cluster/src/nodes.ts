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

// Generous capacity: the benchmarks schedule hundreds of pods on two nodes.
const capacity = { cpu: '64', memory: '256Gi', pods: '1000' };

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
      allocatable: capacity,
      capacity,
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
