import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { binaryPath } from '@envmesh/local-cluster';
import { packageChart } from '../registry/charts';
import { HelmRenderer } from './HelmRenderer';
import { layerServiceValues } from './layerValues';
import { parseYaml } from './yaml';

const examples = path.resolve(__dirname, '../../../../examples');

// Real helm (and git) processes on a possibly busy machine.
jest.setTimeout(120_000);

describe('layerServiceValues', () => {
  const chartDefaults = {
    image: { repository: 'ghcr.io/x/service', tag: '', pullPolicy: 'Always' },
    replicaCount: 1,
    env: {},
    tolerations: [],
  };
  const service = {
    defaultValues: {
      image: { repository: 'ghcr.io/x/demo-api', tag: '1.4.2' },
      env: { SERVICE_NAME: 'demo-api' },
    },
  };
  const environment = {
    globalValues: {
      env: { LOG_LEVEL: 'info', REGION: 'eu' },
      podAnnotations: { 'envmesh.io/env': 'dev' },
      tolerations: [{ key: 'a', operator: 'Exists' }],
    },
  };

  it('layers chart < service defaults < environment < service override < overrides, with provenance', () => {
    const merged = layerServiceValues({
      chartDefaults,
      service,
      environment,
      environmentService: {
        imageTag: '1.5.0',
        values: {
          env: { LOG_LEVEL: 'debug', FEATURE_X: 'on' },
          tolerations: [{ key: 'b', operator: 'Exists' }],
        },
        keyValues: { 'env.FEATURE_X': 'off', replicaCount: '3' },
      },
    });
    expect(merged.values).toEqual({
      image: {
        repository: 'ghcr.io/x/demo-api',
        tag: '1.5.0',
        pullPolicy: 'Always',
      },
      replicaCount: '3',
      env: {
        SERVICE_NAME: 'demo-api',
        LOG_LEVEL: 'debug',
        REGION: 'eu',
        FEATURE_X: 'off',
      },
      tolerations: [{ key: 'b', operator: 'Exists' }],
      podAnnotations: { 'envmesh.io/env': 'dev' },
    });
    expect(merged.provenance).toEqual({
      'image.repository': 'chart',
      'image.tag': 'override',
      'image.pullPolicy': 'chart',
      replicaCount: 'override',
      'env.SERVICE_NAME': 'chart',
      'env.LOG_LEVEL': 'service',
      'env.REGION': 'environment',
      'env.FEATURE_X': 'override',
      tolerations: 'service',
      'podAnnotations.envmesh\\.io/env': 'environment',
    });
  });

  it('puts a feature instance above the key/values: its image tag and values win, with provenance feature', () => {
    const merged = layerServiceValues({
      chartDefaults,
      service,
      environment,
      environmentService: {
        imageTag: '1.5.0',
        keyValues: { 'image.tag': '1.5.1', 'env.LOG_LEVEL': 'warn' },
      },
      featureInstance: {
        imageTag: '2.0.0-rc1',
        values: { env: { LOG_LEVEL: 'trace' } },
      },
    });
    expect((merged.values.image as any).tag).toBe('2.0.0-rc1');
    expect((merged.values.env as any).LOG_LEVEL).toBe('trace');
    expect(merged.provenance).toMatchObject({
      'image.tag': 'feature',
      'env.LOG_LEVEL': 'feature',
      'env.REGION': 'environment',
    });
  });

  it('without overrides the service keeps its own image tag and the global values', () => {
    const merged = layerServiceValues({
      chartDefaults,
      service,
      environment,
      environmentService: {},
    });
    expect(merged.values.image).toEqual({
      repository: 'ghcr.io/x/demo-api',
      tag: '1.4.2',
      pullPolicy: 'Always',
    });
    expect(merged.provenance['image.tag']).toBe('chart');
    expect(merged.provenance['env.LOG_LEVEL']).toBe('environment');
    expect(merged.provenance.tolerations).toBe('environment');
    // The inputs are not changed.
    expect(environment.globalValues.env).toEqual({
      LOG_LEVEL: 'info',
      REGION: 'eu',
    });
  });

  describe('rendered with helm', () => {
    let temp: string;
    let renderer: HelmRenderer;
    let chart: { digest: string; archive: Buffer };
    let demoApi: Record<string, unknown>;

    beforeAll(async () => {
      temp = await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-layer-test-'));
      const chartDir = path.join(examples, 'charts/service');
      chart = await packageChart(chartDir, chartDir, {
        binary: binaryPath('helm'),
        env: process.env,
        workDir: temp,
      });
      renderer = new HelmRenderer({ helmBinary: binaryPath('helm') });
      demoApi = parseYaml(
        await fs.readFile(
          path.join(examples, 'services/demo-api/values.yaml'),
          'utf8',
        ),
      ) as Record<string, unknown>;
    });

    afterAll(async () => {
      await renderer.close();
      await fs.rm(temp, { recursive: true, force: true });
    });

    async function deploymentOf(
      environmentService: Parameters<
        typeof layerServiceValues
      >[0]['environmentService'],
    ) {
      const merged = layerServiceValues({
        chartDefaults: await renderer.chartDefaults(chart),
        service: { defaultValues: demoApi },
        environment: {
          globalValues: {
            env: { LOG_LEVEL: 'info', TRACING: 'on' },
            podAnnotations: { 'envmesh.io/environment': 'demo-dev' },
          },
        },
        environmentService,
      });
      const objects = await renderer.render({
        release: 'demo-api',
        namespace: 'demo-dev',
        chart,
        values: merged.values,
      });
      const deployment = objects.find(o => o.kind === 'Deployment') as any;
      const container = deployment.spec.template.spec.containers[0];
      const env = Object.fromEntries(
        container.env.map((e: any) => [e.name, e.value]),
      );
      return { merged, deployment, container, env };
    }

    it('global values reach the service; a service override beats them; key/value beats both', async () => {
      const plain = await deploymentOf({});
      expect(plain.env).toMatchObject({
        SERVICE_NAME: 'demo-api',
        LOG_LEVEL: 'info',
        TRACING: 'on',
      });
      expect(plain.deployment.spec.template.metadata.annotations).toMatchObject(
        { 'envmesh.io/environment': 'demo-dev' },
      );
      expect(plain.container.image).toBe(
        'ghcr.io/envmesh-examples/demo-api:1.4.2',
      );
      expect(plain.merged.provenance['env.LOG_LEVEL']).toBe('environment');

      const overridden = await deploymentOf({
        values: { env: { LOG_LEVEL: 'debug' } },
      });
      expect(overridden.env).toMatchObject({
        LOG_LEVEL: 'debug',
        TRACING: 'on',
      });
      expect(overridden.merged.provenance['env.LOG_LEVEL']).toBe('service');

      const keyValued = await deploymentOf({
        imageTag: '1.5.0',
        values: { env: { LOG_LEVEL: 'debug' } },
        keyValues: { 'env.LOG_LEVEL': 'trace' },
      });
      expect(keyValued.env).toMatchObject({
        LOG_LEVEL: 'trace',
        TRACING: 'on',
      });
      expect(keyValued.container.image).toBe(
        'ghcr.io/envmesh-examples/demo-api:1.5.0',
      );
      expect(keyValued.merged.provenance).toMatchObject({
        'env.LOG_LEVEL': 'override',
        'env.TRACING': 'environment',
        'env.SERVICE_NAME': 'chart',
        'image.tag': 'override',
        'image.repository': 'chart',
        'podAnnotations.envmesh\\.io/environment': 'environment',
      });
    });
  });
});
