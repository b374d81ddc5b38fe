import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  EnvironmentSummary,
  FeatureBranchDetails,
} from '@envmesh/plugin-environments-common';
import { EnvironmentsApi } from '../api';
import {
  DiffResult,
  Environment,
  EnvironmentLifecycle,
  EnvironmentStatus,
  MergedValues,
  Operation,
  OperationLogLine,
  Revision,
  ServiceDefinition,
} from '../api/types';

/** An awake environment without a schedule, idle sleep due in the evening. */
export const demoLifecycle: EnvironmentLifecycle = {
  environment: 'demo',
  disposable: false,
  state: 'awake',
  lastActivityAt: '2026-12-07T07:30:00.000Z',
  next: { action: 'sleep', reason: 'idle', at: '2026-12-07T19:30:00.000Z' },
};

const notStubbed = (method: string) => async () => {
  throw new Error(`${method} is not stubbed`);
};

/** An EnvironmentsApi for tests: the given methods, the others reject. */
export function stubEnvironmentsApi(
  methods: Partial<EnvironmentsApi> = {},
): EnvironmentsApi {
  return {
    listEnvironments: async () => ({ items: [] }),
    listClusters: async () => ({ items: [] }),
    getClusterStatus: async () => ({ reachable: true }),
    getEnvironment: notStubbed('getEnvironment'),
    getStatus: notStubbed('getStatus'),
    listOperations: async () => ({ items: [] }),
    getOperation: notStubbed('getOperation'),
    getOperationLogs: async () => ({ items: [] }),
    getServiceValues: notStubbed('getServiceValues'),
    diffEnvironment: notStubbed('diffEnvironment'),
    updateEnvironment: notStubbed('updateEnvironment'),
    listServices: async () => ({ items: [] }),
    createEnvironment: notStubbed('createEnvironment'),
    copyEnvironment: notStubbed('copyEnvironment'),
    deleteEnvironment: notStubbed('deleteEnvironment'),
    sleepEnvironment: notStubbed('sleepEnvironment'),
    wakeEnvironment: notStubbed('wakeEnvironment'),
    writeSecretValues: notStubbed('writeSecretValues'),
    listRevisions: notStubbed('listRevisions'),
    rollbackService: notStubbed('rollbackService'),
    getServiceManifest: notStubbed('getServiceManifest'),
    cancelOperation: notStubbed('cancelOperation'),
    listFeatures: async () => ({ items: [] }),
    getFeature: notStubbed('getFeature'),
    getInstanceValues: notStubbed('getInstanceValues'),
    extendFeature: notStubbed('extendFeature'),
    redeployFeature: notStubbed('redeployFeature'),
    deleteFeature: notStubbed('deleteFeature'),
    traceRoute: notStubbed('traceRoute'),
    getFeatureReachability: notStubbed('getFeatureReachability'),
    getEnvironmentReachability: notStubbed('getEnvironmentReachability'),
    getEnvironmentCost: notStubbed('getEnvironmentCost'),
    getFeatureCost: notStubbed('getFeatureCost'),
    getEnvironmentLifecycle: async name => ({
      ...demoLifecycle,
      environment: name,
    }),
    updateEnvironmentLifecycle: notStubbed('updateEnvironmentLifecycle'),
    keepEnvironment: notStubbed('keepEnvironment'),
    ...methods,
  };
}

/** `GET /environments/demo`, as the backend answers it. */
export const demoEnvironment: Environment = {
  name: 'demo',
  cluster: 'local',
  namespace: 'demo',
  owner: 'group:default/platform-team',
  description: 'The demo shop',
  globalValues: { replicaCount: 1, env: { LOG_LEVEL: 'info' } },
  config: {
    configMaps: [
      { name: 'demo-shared-config', data: { SHOP_CURRENCY: 'EUR' } },
    ],
    secrets: [
      {
        name: 'demo-db-credentials',
        type: 'Opaque',
        keys: ['password', 'username'],
      },
    ],
  },
  resources: { gateways: [], certificates: [] },
  services: [
    { name: 'demo-api', imageTag: '1.4.0', values: { replicaCount: 2 } },
    { name: 'demo-web' },
  ],
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-02T10:00:00.000Z',
};

const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'demo',
  name,
});

/** `GET /environments/demo/status`: demo-api ready 2/2, demo-web 0/1 with a modified Deployment. */
export const demoStatus: EnvironmentStatus = {
  services: [
    {
      name: 'demo-api',
      group: 1,
      revision: 3,
      desiredImage: '1.4.0',
      workloads: [
        {
          ref: deployment('demo-api'),
          found: true,
          desiredReplicas: 2,
          readyReplicas: 2,
          images: ['registry.local/demo-api:1.4.0'],
          ready: true,
          summary: '2/2 ready',
        },
      ],
      ready: true,
      drift: [],
    },
    {
      name: 'demo-web',
      group: 2,
      revision: 1,
      desiredImage: '0.9.1',
      workloads: [
        {
          ref: deployment('demo-web'),
          found: true,
          desiredReplicas: 1,
          readyReplicas: 0,
          images: ['registry.local/demo-web:0.9.1'],
          ready: false,
          summary: 'Waiting for 1 replica',
        },
      ],
      ready: false,
      drift: [
        {
          ref: deployment('demo-web'),
          change: 'modified',
          detail: 'spec.replicas changed',
        },
      ],
    },
  ],
};

/** An operation of the demo environment, in the given state. */
export function demoOperation(
  state: Operation['state'],
  progress: Operation['progress'],
  id = 'op-2',
): Operation {
  return {
    id,
    environment: 'demo',
    type: 'update',
    state,
    actor: 'user:default/jane',
    createdAt: '2025-01-03T10:00:00.000Z',
    cancelRequested: false,
    progress,
    steps: [],
  };
}

/** `POST /environments/demo/diff` when demo-api's Deployment would change. */
export const demoDiff: DiffResult = {
  environment: { changes: [] },
  services: [
    {
      name: 'demo-api',
      changes: [
        {
          ref: deployment('demo-api'),
          action: 'update',
          changes: ['spec.template'],
        },
      ],
    },
  ],
  removed: [],
};

/** Log lines of an operation. */
export const logLine = (seq: number, message: string): OperationLogLine => ({
  seq,
  ts: '2025-01-03T10:00:01.000Z',
  level: 'info',
  message,
});

/** `GET /services`: the registry, demo-api linked to its catalog component. */
export const demoServices: ServiceDefinition[] = [
  {
    name: 'demo-api',
    source: { type: 'directory', location: 'examples/services' },
    chart: { name: 'service', version: '0.1.0', digest: 'sha256:abc' },
    defaultValues: {},
    image: { repository: 'registry.local/demo-api', tag: '1.0.0' },
    startupGroup: 1,
    catalogEntityRef: 'component:default/demo-api',
    updatedAt: '2025-01-01T10:00:00.000Z',
  },
  {
    name: 'demo-web',
    source: { type: 'directory', location: 'examples/services' },
    chart: { name: 'service', version: '0.1.0', digest: 'sha256:abc' },
    defaultValues: {},
    image: { repository: 'registry.local/demo-web' },
    startupGroup: 2,
    updatedAt: '2025-01-01T10:00:00.000Z',
  },
];

/** `GET /environments/demo/revisions?service=demo-api`, newest first. */
export const demoRevisions: Revision[] = [3, 2, 1].map(revision => ({
  environment: 'demo',
  service: 'demo-api',
  revision,
  imageTag: `1.${revision + 1}.0`,
  values: {},
  manifestHash: `hash-${revision}`,
  actor: 'user:default/jane',
  createdAt: `2025-01-0${revision}T10:00:00.000Z`,
}));

/** `GET /environments/demo/services/demo-api/values`: one leaf from each layer. */
export const demoMergedValues: MergedValues = {
  values: {
    image: { repository: 'registry.local/demo-api', tag: '1.4.0' },
    replicaCount: 2,
    env: { LOG_LEVEL: 'info', FEATURE_X: 'on' },
  },
  provenance: {
    'image.repository': 'chart',
    'image.tag': 'override',
    replicaCount: 'service',
    'env.LOG_LEVEL': 'environment',
    'env.FEATURE_X': 'override',
  },
};

/** The error the client throws for a backend error response (`Error` of the spec), with its reason. */
export async function responseError(
  statusCode: number,
  name: string,
  message: string,
): Promise<never> {
  throw await ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        request: { method: 'POST', url: '/environments/demo' },
        response: { statusCode },
      }),
      {
        status: statusCode,
        headers: { 'Content-Type': 'application/json' },
      },
    ),
  );
}

/** The catalog component of demo-api, linked by its kubernetes-id annotation and the registry's ref. */
export const demoApiComponent: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'demo-api',
    annotations: { 'backstage.io/kubernetes-id': 'demo-api' },
  },
  spec: { type: 'service', owner: 'group:default/shop-team' },
};

/** `GET /environments`: one row of the list. */
export const demoEnvironmentSummary: EnvironmentSummary = {
  name: 'demo-dev',
  description: 'Development environment of the demo shop',
  cluster: 'local',
  namespace: 'demo-dev',
  owner: 'group:default/platform-team',
  componentRefs: [],
  services: { total: 5, ready: 3 },
  sleepState: 'awake',
};

/** `GET /features/feature-31337`: two instances (one failed), a preview URL, two services routed. */
export const demoFeature: FeatureBranchDetails = {
  name: 'feature-31337',
  environment: 'demo-dev',
  owner: 'user:default/janedoe',
  source: {
    repository: 'acme/demo-api',
    branch: 'feature/31337',
    sha: '0d1a26e67d8f',
  },
  expiresAt: new Date(Date.now() + 5 * 3600_000 + 60_000).toISOString(),
  instances: [
    {
      service: 'demo-api',
      imageTag: '1.5.0',
      state: 'ready',
      updatedAt: '2026-11-23T10:00:00Z',
    },
    {
      service: 'demo-ui',
      state: 'failed',
      message: 'service demo-ui not ready: 0/3 nodes are available',
      updatedAt: '2026-11-23T10:00:00Z',
    },
  ],
  createdAt: '2026-11-23T09:00:00Z',
  updatedAt: '2026-11-23T10:00:00Z',
  previewUrls: ['https://feature-31337.demo.net/'],
  behindBase: [],
  routingHeader: 'X-Dev-Branch',
  routing: [
    { service: 'demo-api', target: 'feature' },
    { service: 'demo-orders', target: 'default' },
  ],
};
