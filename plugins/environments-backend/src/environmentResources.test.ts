import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
} from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import yaml from 'js-yaml';
import {
  stepsBeforePrepare,
  writtenObjects,
  writtenOutOfOrder,
} from './__testUtils__/applyOrder';
import {
  ApiCall,
  apiCaller,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';

/**
 * The environment's own objects as the cluster holds them after a create (Istio Gateway, cert-manager
 * Certificate, ConfigMap, Secret), and that they, with the namespace, were written before any service.
 */

const examples = path.resolve(__dirname, '../../../examples');
const ENV = 'resources-env';
const SECRET = 'resources-secret-value-never-shown';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

describe('environment resources', () => {
  let call: ApiCall;
  let stop: () => Promise<void>;
  let operation: any;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        environmentsPlugin,
        mockServices.rootConfig.factory({
          data: localBackendConfig({ rollout: { readyTimeoutSeconds: 60 } }),
        }),
      ],
    });
    call = apiCaller(backend.server);
    stop = () => backend.stop();
    const imported = await call('post', '/services/import', {
      source: { type: 'directory', location: examples },
    });
    if (imported.status !== 200) throw new Error(imported.text);
    const created = await call('post', '/environments', {
      name: ENV,
      cluster: 'local',
      owner: 'group:default/platform-team',
      config: {
        configMaps: [
          { name: 'shared-config', data: { CURRENCY: 'EUR', TZ: 'UTC' } },
        ],
        secrets: [{ name: 'db-credentials', values: { password: SECRET } }],
      },
      resources: {
        gateways: [
          {
            name: 'shop-gateway',
            hosts: ['shop.example', '*.shop.example'],
            tls: { credentialName: 'shop-tls', httpsRedirect: true },
          },
          { name: 'plain-gateway', hosts: ['plain.example'] },
        ],
        certificates: [
          {
            name: 'shop-cert',
            secretName: 'shop-tls',
            dnsNames: ['shop.example', '*.shop.example'],
            issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' },
          },
        ],
      },
      globalValues: { env: { REGION: 'eu-1' } },
      services: [
        { name: 'config-service' },
        { name: 'demo-api', imageTag: '1.5.0' },
      ],
    });
    if (created.status !== 202) throw new Error(created.text);
    operation = await waitForOperation(call, created.body.id);
  });

  afterAll(async () => {
    await stop?.();
    await core.deleteNamespace({ name: ENV }).catch(() => undefined);
  });

  it('rolls the environment out', () => {
    expect(operation.state).toBe('succeeded');
  });

  it('applies the Istio Gateways with their hosts, and an HTTPS server for TLS', async () => {
    const read = (name: string) =>
      custom.getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: ENV,
        plural: 'gateways',
        name,
      });
    const shop = await read('shop-gateway');
    expect(shop.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'envmesh',
      'envmesh.io/environment': ENV,
    });
    expect(shop.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [
        {
          port: { number: 80, name: 'http', protocol: 'HTTP' },
          hosts: ['shop.example', '*.shop.example'],
          tls: { httpsRedirect: true },
        },
        {
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          hosts: ['shop.example', '*.shop.example'],
          tls: { mode: 'SIMPLE', credentialName: 'shop-tls' },
        },
      ],
    });
    // Without TLS: plain HTTP only.
    expect((await read('plain-gateway')).spec.servers).toEqual([
      {
        port: { number: 80, name: 'http', protocol: 'HTTP' },
        hosts: ['plain.example'],
      },
    ]);
  });

  it('applies the cert-manager Certificate with its dnsNames, issuerRef and the secret the Gateway serves', async () => {
    const certificate = await custom.getNamespacedCustomObject({
      group: 'cert-manager.io',
      version: 'v1',
      namespace: ENV,
      plural: 'certificates',
      name: 'shop-cert',
    });
    expect(certificate.spec).toEqual({
      secretName: 'shop-tls',
      dnsNames: ['shop.example', '*.shop.example'],
      issuerRef: {
        name: 'letsencrypt',
        kind: 'ClusterIssuer',
        group: 'cert-manager.io',
      },
    });
  });

  it('applies the environment ConfigMap as given, and the Secret', async () => {
    const configMap = await core.readNamespacedConfigMap({
      name: 'shared-config',
      namespace: ENV,
    });
    expect(configMap.data).toEqual({ CURRENCY: 'EUR', TZ: 'UTC' });
    expect(configMap.metadata!.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'envmesh',
      'envmesh.io/environment': ENV,
    });
    const secret = await core.readNamespacedSecret({
      name: 'db-credentials',
      namespace: ENV,
    });
    expect(Object.keys(secret.data!)).toEqual(['password']);
  });

  it('writes the namespace, config and resources before any service', async () => {
    // The engine's account: every service apply started after the prepare step ended ...
    expect(stepsBeforePrepare(operation)).toEqual([]);
    // ... and the cluster's: every environment object was written before every service's objects.
    const objects = await writtenObjects(kc, ENV);
    expect(objects.environment.map(o => o.ref).sort()).toEqual([
      'Certificate shop-cert',
      'ConfigMap shared-config',
      'Gateway plain-gateway',
      'Gateway shop-gateway',
      `Namespace ${ENV}`,
      'Secret db-credentials',
    ]);
    expect(objects.services.map(o => o.ref)).toEqual(
      expect.arrayContaining(['Service config-service', 'Service demo-api']),
    );
    expect(writtenOutOfOrder(objects)).toEqual([]);
  });

  it("serves a service's rendered objects as YAML: its Deployment with the environment's image and values", async () => {
    const res = await call(
      'get',
      `/environments/${ENV}/services/demo-api/manifest`,
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    const objects = yaml.loadAll(res.text) as any[];
    expect(objects.map(o => `${o.kind} ${o.metadata.name}`).sort()).toEqual(
      expect.arrayContaining(['Deployment demo-api', 'Service demo-api']),
    );
    const deployment = objects.find(o => o.kind === 'Deployment');
    const [container] = deployment.spec.template.spec.containers;
    expect(container.image).toBe('ghcr.io/envmesh-examples/demo-api:1.5.0');
    expect(container.env).toEqual(
      expect.arrayContaining([{ name: 'REGION', value: 'eu-1' }]),
    );
    // What the cluster runs is what the endpoint shows.
    const live = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'demo-api', namespace: ENV });
    expect(live.spec!.template.spec!.containers[0].image).toBe(container.image);
    expect(res.text).not.toContain(SECRET);
  });
});
