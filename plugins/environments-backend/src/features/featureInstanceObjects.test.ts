import { InputError } from '@backstage/errors';
import type { KubernetesObject } from '@kubernetes/client-node';
import { renderExampleService } from './__testUtils__/exampleChart';
import { featureInstanceObjects } from './featureInstanceObjects';

// Real helm runs on a possibly busy machine.
jest.setTimeout(120_000);

const FEATURE = 'feature-31337';
const INSTANCE = 'app.kubernetes.io/instance';
const placement = {
  nodeSelector: { 'envmesh.io/node-pool': 'feature' },
  tolerations: [
    {
      key: 'envmesh.io/node-pool',
      operator: 'Equal',
      value: 'feature',
      effect: 'NoSchedule',
    },
  ],
};

const byRef = (objects: KubernetesObject[]) =>
  Object.fromEntries(
    objects.map(o => [`${o.kind}/${o.metadata?.name}`, o as any]),
  );

/** Whether a Service-style selector (a label map) selects pods with these labels. */
const selects = (
  selector: Record<string, string>,
  labels: Record<string, string>,
) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('featureInstanceObjects', () => {
  describe('with the example chart rendered by helm', () => {
    let base: KubernetesObject[];

    beforeAll(async () => {
      // demo-api as an environment deploys it: its VirtualService on, the environment's shared config and
      // database credentials referenced (not rendered by the chart), and pinned to general nodes.
      base = await renderExampleService('demo-api', {
        extra: {
          virtualService: { enabled: true },
          envFrom: [{ configMapRef: { name: 'shop-common' } }],
          extraEnv: [
            {
              name: 'DB_PASSWORD',
              valueFrom: {
                secretKeyRef: { name: 'shop-db', key: 'password' },
              },
            },
            { name: 'DB_URL', value: 'postgres://db/shop?schema=$(DB_SCHEMA)' },
          ],
          env: { DB_SCHEMA: 'public' },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'spot', operator: 'Exists' }],
        },
      });
    });

    it('keeps the workload and its ConfigMap, renamed, and drops the Service and VirtualService', () => {
      expect(Object.keys(byRef(base)).sort()).toEqual([
        'ConfigMap/demo-api',
        'Deployment/demo-api',
        'Service/demo-api',
        'VirtualService/demo-api',
      ]);
      const objects = featureInstanceObjects(base, {
        service: 'demo-api',
        feature: FEATURE,
      });
      expect(objects.map(o => `${o.kind}/${o.metadata?.name}`)).toEqual([
        `ConfigMap/demo-api-${FEATURE}`,
        `Deployment/demo-api-${FEATURE}`,
      ]);
      const deployment = byRef(objects)[`Deployment/demo-api-${FEATURE}`];
      const pod = deployment.spec.template.spec;
      // The chart's ConfigMap is the instance's own copy; the environment's config is shared as it is.
      expect(pod.volumes).toEqual([
        { name: 'config', configMap: { name: `demo-api-${FEATURE}` } },
      ]);
      expect(pod.containers[0].envFrom).toEqual([
        { configMapRef: { name: 'shop-common' } },
      ]);
      expect(
        pod.containers[0].env.find((e: any) => e.name === 'DB_PASSWORD'),
      ).toEqual({
        name: 'DB_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } },
      });
      expect(pod.containers[0].image).toBe(
        'ghcr.io/envmesh-examples/demo-api:1.4.2',
      );
      const configMap = byRef(objects)[`ConfigMap/demo-api-${FEATURE}`];
      expect(configMap.data).toEqual(byRef(base)['ConfigMap/demo-api'].data);
    });

    it('gives the pods and the selector the instance label, so base and feature controllers keep apart and the base Service selects both', () => {
      const objects = featureInstanceObjects(base, {
        service: 'demo-api',
        feature: FEATURE,
      });
      const baseDeployment = byRef(base)['Deployment/demo-api'];
      const deployment = byRef(objects)[`Deployment/demo-api-${FEATURE}`];
      expect(baseDeployment.spec.selector.matchLabels[INSTANCE]).toBe(
        'demo-api',
      );
      expect(deployment.spec.selector).toEqual({
        matchLabels: {
          'app.kubernetes.io/name': 'demo-api',
          [INSTANCE]: `demo-api.${FEATURE}`,
        },
      });
      expect(deployment.spec.template.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'demo-api',
        app: 'demo-api',
        [INSTANCE]: `demo-api.${FEATURE}`,
        'envmesh.io/service': 'demo-api',
        'envmesh.io/feature': FEATURE,
      });

      const basePods = baseDeployment.spec.template.metadata.labels;
      const featurePods = deployment.spec.template.metadata.labels;
      const baseSelector = baseDeployment.spec.selector.matchLabels;
      const featureSelector = deployment.spec.selector.matchLabels;
      expect(selects(baseSelector, basePods)).toBe(true);
      expect(selects(baseSelector, featurePods)).toBe(false);
      expect(selects(featureSelector, featurePods)).toBe(true);
      expect(selects(featureSelector, basePods)).toBe(false);
      const service = byRef(base)['Service/demo-api'];
      expect(selects(service.spec.selector, basePods)).toBe(true);
      expect(selects(service.spec.selector, featurePods)).toBe(true);

      for (const object of objects) {
        expect(object.metadata?.labels).toMatchObject({
          'envmesh.io/feature': FEATURE,
          [INSTANCE]: `demo-api.${FEATURE}`,
        });
      }
    });

    it('places the pods on the feature nodes and gives every container the env vars, which win over the chart', () => {
      const objects = featureInstanceObjects(base, {
        service: 'demo-api',
        feature: FEATURE,
        placement,
        env: [
          { name: 'DB_SCHEMA', value: 'demo_api_feature_31337' },
          { name: 'ENVMESH_TOPIC_PREFIX', value: `${FEATURE}.` },
        ],
      });
      const pod =
        byRef(objects)[`Deployment/demo-api-${FEATURE}`].spec.template.spec;
      expect(pod.nodeSelector).toEqual({
        'kubernetes.io/os': 'linux',
        'envmesh.io/node-pool': 'feature',
      });
      expect(pod.tolerations).toEqual([
        { key: 'spot', operator: 'Exists' },
        ...placement.tolerations,
      ]);
      // First, so that the chart's own env vars can refer to them as $(NAME); the chart's DB_SCHEMA is gone.
      expect(pod.containers[0].env.map((e: any) => [e.name, e.value])).toEqual([
        ['DB_SCHEMA', 'demo_api_feature_31337'],
        ['ENVMESH_TOPIC_PREFIX', `${FEATURE}.`],
        ['HTTP_PORT', '8080'],
        ['REQUEST_TIMEOUT_MS', '3000'],
        ['SERVICE_NAME', 'demo-api'],
        ['DB_PASSWORD', undefined],
        ['DB_URL', 'postgres://db/shop?schema=$(DB_SCHEMA)'],
      ]);
    });

    it('does not change its input', () => {
      const before = structuredClone(base);
      featureInstanceObjects(base, {
        service: 'demo-api',
        feature: FEATURE,
        placement,
        env: [{ name: 'SERVICE_NAME', value: 'x' }],
      });
      expect(base).toEqual(before);
    });
  });

  describe('with other kinds and references', () => {
    const labels = (name: string, instance = 'shop-worker') => ({
      'app.kubernetes.io/name': name,
      [INSTANCE]: instance,
    });
    const podSpec = (extra: object = {}) => ({
      containers: [{ name: 'main', image: 'example.invalid/worker:1' }],
      ...extra,
    });
    const chart = (): KubernetesObject[] =>
      [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'shop-worker', labels: labels('shop-worker') },
          spec: {
            serviceName: 'shop-worker',
            selector: { matchLabels: labels('shop-worker') },
            volumeClaimTemplates: [
              {
                metadata: { name: 'data' },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: '1Gi' } },
                },
              },
            ],
            template: {
              metadata: { labels: labels('shop-worker') },
              spec: podSpec({
                serviceAccountName: 'shop-worker',
                imagePullSecrets: [{ name: 'registry' }],
                initContainers: [
                  {
                    name: 'migrate',
                    image: 'example.invalid/migrate:1',
                    envFrom: [{ secretRef: { name: 'worker-env' } }],
                  },
                ],
                containers: [
                  {
                    name: 'main',
                    image: 'example.invalid/worker:1',
                    env: [
                      {
                        name: 'TOKEN',
                        valueFrom: {
                          secretKeyRef: { name: 'worker-token', key: 't' },
                        },
                      },
                      {
                        name: 'MODE',
                        valueFrom: {
                          configMapKeyRef: { name: 'worker-mode', key: 'm' },
                        },
                      },
                    ],
                  },
                ],
                volumes: [
                  {
                    name: 'bundle',
                    projected: {
                      sources: [
                        { configMap: { name: 'worker-config' } },
                        { secret: { name: 'worker-token' } },
                        { serviceAccountToken: { path: 'token' } },
                      ],
                    },
                  },
                  {
                    name: 'cache',
                    persistentVolumeClaim: { claimName: 'worker-cache' },
                  },
                  { name: 'tls', secret: { secretName: 'shop-tls' } },
                ],
              }),
            },
          },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'shop-worker-nightly' },
          spec: {
            schedule: '0 3 * * *',
            jobTemplate: {
              metadata: { labels: { team: 'shop' } },
              spec: {
                template: {
                  metadata: { labels: labels('shop-worker-nightly') },
                  spec: podSpec({ restartPolicy: 'Never' }),
                },
              },
            },
          },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'shop-worker-migrate' },
          spec: {
            template: {
              metadata: { labels: labels('shop-worker-migrate') },
              spec: podSpec({ restartPolicy: 'Never' }),
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'shop-worker' },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'registry' },
          type: 'kubernetes.io/dockerconfigjson',
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'worker-env' },
          stringData: { A: 'b' },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'worker-token' },
          stringData: { t: 'x' },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'worker-mode' },
          data: { m: 'fast' },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'worker-config' },
          data: {},
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'unused' },
          data: {},
        },
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'worker-cache' },
          spec: {},
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'shop-worker' },
          spec: {
            clusterIP: 'None',
            selector: { 'app.kubernetes.io/name': 'shop-worker' },
          },
        },
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'shop-worker' },
          spec: {},
        },
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'shop-worker' },
          spec: {},
        },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'shop-worker' },
          spec: {},
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'shop-worker' },
          spec: {},
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'shop-worker' },
        },
      ] as KubernetesObject[];

    const transform = (objects = chart()) =>
      byRef(
        featureInstanceObjects(objects, {
          service: 'shop-worker',
          feature: FEATURE,
          env: [
            { name: 'ENVMESH_DB_SCHEMA', value: 'shop_worker_feature_31337' },
          ],
        }),
      );

    it('keeps exactly the workloads and the config their pods reference', () => {
      expect(Object.keys(transform()).sort()).toEqual(
        [
          `ConfigMap/worker-config-${FEATURE}`,
          `ConfigMap/worker-mode-${FEATURE}`,
          `CronJob/shop-worker-nightly-${FEATURE}`,
          `Job/shop-worker-migrate-${FEATURE}`,
          `PersistentVolumeClaim/worker-cache-${FEATURE}`,
          `Secret/registry-${FEATURE}`,
          `Secret/worker-env-${FEATURE}`,
          `Secret/worker-token-${FEATURE}`,
          `StatefulSet/shop-worker-${FEATURE}`,
        ].sort(),
      );
    });

    it('rewrites every reference to a renamed object and keeps the others', () => {
      const sts = transform()[`StatefulSet/shop-worker-${FEATURE}`];
      const pod = sts.spec.template.spec;
      expect(pod.volumes).toEqual([
        {
          name: 'bundle',
          projected: {
            sources: [
              { configMap: { name: `worker-config-${FEATURE}` } },
              { secret: { name: `worker-token-${FEATURE}` } },
              { serviceAccountToken: { path: 'token' } },
            ],
          },
        },
        {
          name: 'cache',
          persistentVolumeClaim: { claimName: `worker-cache-${FEATURE}` },
        },
        // Not rendered by the chart (e.g. the environment's certificate): shared.
        { name: 'tls', secret: { secretName: 'shop-tls' } },
      ]);
      expect(pod.imagePullSecrets).toEqual([{ name: `registry-${FEATURE}` }]);
      expect(pod.initContainers[0].envFrom).toEqual([
        { secretRef: { name: `worker-env-${FEATURE}` } },
      ]);
      expect(pod.containers[0].env.slice(1)).toEqual([
        {
          name: 'TOKEN',
          valueFrom: {
            secretKeyRef: { name: `worker-token-${FEATURE}`, key: 't' },
          },
        },
        {
          name: 'MODE',
          valueFrom: {
            configMapKeyRef: { name: `worker-mode-${FEATURE}`, key: 'm' },
          },
        },
      ]);
      // The base ServiceAccount is used as it is, with whatever RBAC and cloud identity is bound to its name.
      expect(pod.serviceAccountName).toBe('shop-worker');
      // Claim templates are per StatefulSet already: the renamed one gets its own volumes.
      expect(sts.spec.volumeClaimTemplates).toEqual(
        (chart()[0] as any).spec.volumeClaimTemplates,
      );
      // Init containers get the env vars too.
      expect(pod.initContainers[0].env).toEqual([
        { name: 'ENVMESH_DB_SCHEMA', value: 'shop_worker_feature_31337' },
      ]);
    });

    it('labels pod templates of every workload kind, and selectors where the workload has one', () => {
      const objects = transform();
      const instance = `shop-worker.${FEATURE}`;
      const sts = objects[`StatefulSet/shop-worker-${FEATURE}`];
      expect(sts.spec.selector.matchLabels).toEqual(
        labels('shop-worker', instance),
      );
      const cronJob = objects[`CronJob/shop-worker-nightly-${FEATURE}`];
      expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toEqual({
        ...labels('shop-worker-nightly', instance),
        'envmesh.io/service': 'shop-worker',
        'envmesh.io/feature': FEATURE,
      });
      // The Jobs it creates are labelled too.
      expect(cronJob.spec.jobTemplate.metadata.labels).toEqual({
        team: 'shop',
        [INSTANCE]: instance,
        'envmesh.io/feature': FEATURE,
      });
      // The Job controller selects its pods by its own uid: no selector is invented.
      const job = objects[`Job/shop-worker-migrate-${FEATURE}`];
      expect(job.spec.selector).toBeUndefined();
      expect(job.spec.template.metadata.labels[INSTANCE]).toBe(instance);
      for (const object of Object.values(objects)) {
        expect(object.metadata.labels['envmesh.io/feature']).toBe(FEATURE);
      }
    });

    it('replaces instance expressions in selectors and points spread and anti-affinity at the feature pods', () => {
      const objects = chart();
      const sts = objects[0] as any;
      sts.spec.selector = {
        matchLabels: { 'app.kubernetes.io/name': 'shop-worker' },
        matchExpressions: [
          { key: INSTANCE, operator: 'In', values: ['shop-worker'] },
          { key: 'tier', operator: 'Exists' },
        ],
      };
      sts.spec.template.metadata.labels.tier = 'backend';
      const term = {
        labelSelector: { matchLabels: { [INSTANCE]: 'shop-worker' } },
        topologyKey: 'kubernetes.io/hostname',
      };
      sts.spec.template.spec.affinity = {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [term],
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, podAffinityTerm: structuredClone(term) },
          ],
        },
      };
      sts.spec.template.spec.topologySpreadConstraints = [
        {
          maxSkew: 1,
          topologyKey: 'zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: {
            matchExpressions: [
              {
                key: INSTANCE,
                operator: 'In',
                values: ['shop-worker', 'other'],
              },
            ],
          },
        },
      ];
      const result = transform(objects)[`StatefulSet/shop-worker-${FEATURE}`];
      const instance = `shop-worker.${FEATURE}`;
      expect(result.spec.selector).toEqual({
        matchLabels: {
          'app.kubernetes.io/name': 'shop-worker',
          [INSTANCE]: instance,
        },
        matchExpressions: [{ key: 'tier', operator: 'Exists' }],
      });
      const anti = result.spec.template.spec.affinity.podAntiAffinity;
      expect(
        anti.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector,
      ).toEqual({ matchLabels: { [INSTANCE]: instance } });
      expect(
        anti.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm
          .labelSelector,
      ).toEqual({ matchLabels: { [INSTANCE]: instance } });
      expect(
        result.spec.template.spec.topologySpreadConstraints[0].labelSelector
          .matchExpressions[0].values,
      ).toEqual([instance, 'other']);
    });

    it('cuts long names to the limits with a hash, the same in references', () => {
      const long = 'a'.repeat(40);
      const objects = chart();
      const sts = objects[0] as any;
      sts.metadata.name = `${long}-worker`;
      sts.spec.template.spec.volumes[2] = {
        name: 'long',
        configMap: { name: `${long}-config-one` },
      };
      sts.spec.template.spec.volumes.push({
        name: 'long2',
        configMap: { name: `${long}-config-two` },
      });
      objects.push(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${long}-config-one` },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${long}-config-two` },
        },
      );
      const result = featureInstanceObjects(objects, {
        service: 'shop-worker',
        feature: FEATURE,
      });
      const names = result.map(o => o.metadata!.name!);
      const dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
      for (const name of names) expect(name).toMatch(dns);
      const renamedSts = result.find(o => o.kind === 'StatefulSet')!;
      // A StatefulSet's name is part of its pods' controller-revision-hash label (≤ 63 with the hash).
      expect(renamedSts.metadata!.name).toMatch(
        new RegExp(`^${long}-wo-[0-9a-f]{8}$`),
      );
      expect(renamedSts.metadata!.name).toHaveLength(52);
      const configs = result.filter(
        o => o.metadata!.name!.startsWith(long) && o.kind === 'ConfigMap',
      );
      expect(configs).toHaveLength(2);
      for (const c of configs)
        expect(c.metadata!.name!.length).toBeLessThanOrEqual(63);
      expect(configs[0].metadata!.name).not.toBe(configs[1].metadata!.name);
      const volumes = (renamedSts as any).spec.template.spec.volumes;
      expect(volumes.slice(2).map((v: any) => v.configMap.name)).toEqual(
        configs.map(c => c.metadata!.name),
      );
    });

    it('fails clearly when the chart renders no workload', () => {
      const noWorkload = chart().filter(
        o => !['StatefulSet', 'CronJob', 'Job'].includes(o.kind!),
      );
      expect(() =>
        featureInstanceObjects(noWorkload, {
          service: 'shop-worker',
          feature: FEATURE,
        }),
      ).toThrow(
        new InputError(
          "service 'shop-worker' renders no workload; nothing to deploy as a feature instance",
        ),
      );
    });

    it('reaches the pods of a chart whose Service selects by the instance label: the base Service selects by service instead', () => {
      const objects = chart();
      const service = objects.find(o => o.kind === 'Service') as any;
      service.spec.selector[INSTANCE] = 'shop-worker';
      const instance = featureInstanceObjects(objects, {
        service: 'shop-worker',
        feature: FEATURE,
      });
      const podLabels = (instance.find(o => o.kind === 'StatefulSet') as any)
        .spec.template.metadata.labels;
      const { [INSTANCE]: _instance, ...rest } = service.spec.selector;
      expect(podLabels).toMatchObject({
        ...rest,
        'envmesh.io/service': 'shop-worker',
      });
    });

    it.each([
      [{ feature: 'Feature_1' }, /^feature must be a DNS-1123 label/],
      [{ service: '' }, /^service is required/],
      [
        { feature: 'f'.repeat(60) },
        /^feature: the instance label '.*' is longer than 63 characters/,
      ],
      [
        { env: [{ name: 'A=B', value: 'x' }] },
        /^env\.0\.name: 'A=B' is not a valid/,
      ],
      [
        { env: [{ name: 'A', value: 3 as any }] },
        /^env\.0\.value: must be a string$/,
      ],
    ])('rejects bad options (%o) naming the field', (bad, message) => {
      const run = () =>
        featureInstanceObjects(chart(), {
          service: 'shop-worker',
          feature: FEATURE,
          ...bad,
        });
      expect(run).toThrow(message);
      expect(run).toThrow(InputError);
    });

    it('keeps the last of same-named env vars', () => {
      const sts = transform()[`StatefulSet/shop-worker-${FEATURE}`];
      expect(sts.spec.template.spec.containers[0].env[0]).toEqual({
        name: 'ENVMESH_DB_SCHEMA',
        value: 'shop_worker_feature_31337',
      });
      const again = featureInstanceObjects(chart(), {
        service: 'shop-worker',
        feature: FEATURE,
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
          { name: 'A', value: '3' },
        ],
      });
      const pod = (again.find(o => o.kind === 'StatefulSet') as any).spec
        .template.spec;
      expect(pod.containers[0].env.slice(0, 2)).toEqual([
        { name: 'B', value: '2' },
        { name: 'A', value: '3' },
      ]);
    });
  });
});
