import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binaryPath, binDir } from '@envmesh/local-cluster';
import { packageChart } from '../registry/charts';
import { sha256Hex } from './util';
import { parseYaml } from './yaml';
import { ChartRenderError } from './ChartRenderError';
import { HelmRenderer } from './HelmRenderer';

const examples = path.resolve(__dirname, '../../../../examples');

// Real helm (and git) processes on a possibly busy machine.
jest.setTimeout(120_000);

describe('HelmRenderer', () => {
  let temp: string;
  let chart: { digest: string; archive: Buffer };
  let demoApiValues: Record<string, unknown>;
  let countFile: string;
  let countingHelm: string;
  const renderers: HelmRenderer[] = [];

  const newRenderer = (
    options: ConstructorParameters<typeof HelmRenderer>[0] = {},
  ) => {
    const renderer = new HelmRenderer({
      helmBinary: countingHelm,
      ...options,
    });
    renderers.push(renderer);
    return renderer;
  };

  const helmRuns = async () =>
    (await fs.readFile(countFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean).length;

  beforeAll(async () => {
    temp = await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-render-test-'));
    const chartDir = path.join(examples, 'charts/service');
    const packaged = await packageChart(chartDir, chartDir, {
      binary: binaryPath('helm'),
      env: process.env,
      workDir: temp,
    });
    chart = { digest: packaged.digest, archive: packaged.archive };
    demoApiValues = parseYaml(
      await fs.readFile(
        path.join(examples, 'services/demo-api/values.yaml'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    // A wrapper that records every helm run, so cache hits are proven by helm not running.
    countFile = path.join(temp, 'helm-runs');
    countingHelm = path.join(temp, 'helm');
    await fs.writeFile(
      countingHelm,
      `#!/bin/sh\necho "$1" >> '${countFile}'\nexec '${binaryPath(
        'helm',
      )}' "$@"\n`,
      { mode: 0o755 },
    );
  });

  beforeEach(async () => {
    await fs.rm(countFile, { force: true });
  });

  afterAll(async () => {
    await Promise.all(renderers.map(r => r.close()));
    await fs.rm(temp, { recursive: true, force: true });
  });

  it('renders the kinds of demo-api', async () => {
    const renderer = newRenderer();
    const objects = await renderer.render({
      release: 'demo-api',
      namespace: 'shop',
      chart,
      values: demoApiValues,
    });
    expect(objects.map(o => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      'ConfigMap/demo-api',
      'Deployment/demo-api',
      'Service/demo-api',
    ]);
    const deployment = objects.find(o => o.kind === 'Deployment') as any;
    expect(deployment.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/envmesh-examples/demo-api:1.4.2',
    );
    // helm template without --namespace in the templates leaves metadata.namespace unset.
    expect(objects.every(o => o.metadata?.namespace === undefined)).toBe(true);
  });

  it('answers a repeated render from the cache without running helm, with deep copies', async () => {
    const renderer = newRenderer();
    const request = {
      release: 'demo-api',
      namespace: 'shop',
      chart,
      values: demoApiValues,
    };
    const first = await renderer.render(request);
    expect(await helmRuns()).toBe(1);

    // Same values with another key order: same canonical JSON, same cache entry.
    const reordered = Object.fromEntries(
      Object.entries(demoApiValues).reverse(),
    );
    const second = await renderer.render({ ...request, values: reordered });
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(await helmRuns()).toBe(1);
    expect(renderer.stats).toEqual({
      helmInvocations: 1,
      rendererRequests: 0,
      cacheHits: 1,
      cacheMisses: 1,
    });

    // A caller changing its copy does not change the cache.
    (second[0] as any).metadata.name = 'changed';
    const third = await renderer.render(request);
    expect(third).toEqual(first);

    // Other values or another release render again.
    await renderer.render({
      ...request,
      values: { ...demoApiValues, replicaCount: 2 },
    });
    await renderer.render({ ...request, release: 'demo-api-2' });
    expect(await helmRuns()).toBe(3);
  });

  describe('across namespaces', () => {
    /** Packages a chart written from `files` (path → content) into a new folder. */
    const chartOf = async (
      name: string,
      files: Record<string, string | Buffer>,
    ) => {
      const dir = await fs.mkdtemp(path.join(temp, `${name}-`));
      for (const [file, content] of Object.entries({
        'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
        ...files,
      })) {
        await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await fs.writeFile(path.join(dir, file), content);
      }
      const packaged = await packageChart(dir, dir, {
        binary: binaryPath('helm'),
        env: process.env,
        workDir: temp,
      });
      return { digest: packaged.digest, archive: packaged.archive };
    };
    const configMap = (data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n${data}\n`;
    const dataOf = (objects: any[]) =>
      objects.find(o => o.kind === 'ConfigMap').data;

    it('reuses output that cannot depend on the namespace (a copy renders nothing)', async () => {
      const renderer = newRenderer();
      const request = {
        release: 'demo-api',
        namespace: 'shop',
        chart,
        values: demoApiValues,
      };
      const source = await renderer.render(request);
      const copy = await renderer.render({
        ...request,
        namespace: 'shop-copy',
      });
      expect(await helmRuns()).toBe(1);
      expect(copy).toEqual(source);
      // Nothing in the output names a namespace: the applier gives namespaced objects the environment's.
      expect(JSON.stringify(copy)).not.toContain('shop');
      expect(copy.every(o => o.metadata?.namespace === undefined)).toBe(true);
    });

    it('renders per namespace when a template reads .Release.Namespace', async () => {
      const hosts = await chartOf('hosts', {
        'templates/cm.yaml': configMap(
          '  host: "{{ .Release.Name }}.{{ .Release.Namespace }}.svc.cluster.local"',
        ),
      });
      const renderer = newRenderer();
      const render = (namespace: string) =>
        renderer.render({
          release: 'api',
          namespace,
          chart: hosts,
          values: {},
        });
      expect(dataOf(await render('shop')).host).toBe(
        'api.shop.svc.cluster.local',
      );
      expect(dataOf(await render('shop-copy')).host).toBe(
        'api.shop-copy.svc.cluster.local',
      );
      // Each namespace keeps its own entry.
      expect(dataOf(await render('shop')).host).toBe(
        'api.shop.svc.cluster.local',
      );
      expect(await helmRuns()).toBe(2);
    });

    it.each([
      ['helm package (which unpacks subchart archives)', false],
      ['an archive that keeps the subchart archive as it is', true],
    ])(
      'renders per namespace when a subchart reads .Release.Namespace: %s',
      async (_how, keepNested) => {
        const sub = await chartOf('sub', {
          'templates/cm.yaml': configMap(
            '  where: "{{ .Release.Namespace | upper }}"',
          ),
        });
        const parentFiles = {
          'charts/sub-0.1.0.tgz': sub.archive,
          'templates/cm.yaml': configMap('  kind: parent'),
        };
        let parent = await chartOf('parent', parentFiles);
        if (keepNested) {
          const dir = await fs.mkdtemp(path.join(temp, 'nested-'));
          for (const [file, content] of Object.entries({
            'Chart.yaml': 'apiVersion: v2\nname: parent\nversion: 0.1.0\n',
            ...parentFiles,
          })) {
            const target = path.join(dir, 'parent', file);
            await fs.mkdir(path.dirname(target), { recursive: true });
            await fs.writeFile(target, content);
          }
          await promisify(execFile)('tar', [
            '-czf',
            path.join(dir, 'parent.tgz'),
            '-C',
            dir,
            'parent',
          ]);
          const archive = await fs.readFile(path.join(dir, 'parent.tgz'));
          parent = { digest: `sha256:${sha256Hex(archive)}`, archive };
        }
        const renderer = newRenderer();
        const render = async (namespace: string) =>
          (
            await renderer.render({
              release: 'api',
              namespace,
              chart: parent,
              values: {},
            })
          ).flatMap(o => Object.values((o as any).data ?? {}));
        expect(await render('shop')).toContain('SHOP');
        expect(await render('other')).toContain('OTHER');
        expect(await helmRuns()).toBe(2);
      },
    );

    it('renders per namespace when the values bring .Release.Namespace to tpl', async () => {
      const tplChart = await chartOf('tpl', {
        'templates/cm.yaml': configMap(
          '  host: {{ tpl .Values.host . | quote }}',
        ),
      });
      const renderer = newRenderer();
      const render = async (namespace: string, host: string) =>
        dataOf(
          await renderer.render({
            release: 'api',
            namespace,
            chart: tplChart,
            values: { host },
          }),
        ).host;
      // Upper-cased, so the output does not contain the namespace as it is.
      const host = '{{ .Release.Namespace | upper }}';
      expect(await render('shop', host)).toBe('SHOP');
      expect(await render('other', host)).toBe('OTHER');
      // Values without it are reused.
      expect(await render('shop', 'fixed')).toBe('fixed');
      expect(await render('other', 'fixed')).toBe('fixed');
      expect(await helmRuns()).toBe(3);
    });

    it('renders per namespace when a template prints .Release whole', async () => {
      const whole = await chartOf('whole', {
        'templates/cm.yaml': configMap(
          '  release: {{ printf "%v" .Release | quote }}',
        ),
      });
      const renderer = newRenderer();
      const render = async (namespace: string) =>
        dataOf(
          await renderer.render({
            release: 'api',
            namespace,
            chart: whole,
            values: {},
          }),
        ).release;
      expect(await render('shop')).toContain('shop');
      expect(await render('other')).toContain('other');
      expect(await helmRuns()).toBe(2);
    });
  });

  it('runs concurrent identical renders once', async () => {
    const renderer = newRenderer();
    const request = {
      release: 'demo-api',
      namespace: 'shop',
      chart,
      values: demoApiValues,
    };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => renderer.render(request)),
    );
    expect(await helmRuns()).toBe(1);
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('keeps the cache bounded', async () => {
    const renderer = newRenderer({ maxCacheEntries: 2 });
    const render = (replicaCount: number) =>
      renderer.render({
        release: 'demo-api',
        namespace: 'shop',
        chart,
        values: { ...demoApiValues, replicaCount },
      });
    await render(1);
    await render(2);
    await render(3); // evicts 1
    await render(3);
    expect(await helmRuns()).toBe(3);
    await render(1);
    expect(await helmRuns()).toBe(4);
  });

  it("throws helm's stderr when the template fails", async () => {
    const renderer = newRenderer();
    const attempt = renderer.render({
      release: 'demo-api',
      namespace: 'shop',
      chart,
      values: { ...demoApiValues, env: 'not-a-map' },
    });
    await expect(attempt).rejects.toThrow(
      /^helm template demo-api failed: Error: .*range can't iterate over not-a-map$/s,
    );
    // An error Backstage's error middleware answers with 502, not 500.
    await expect(attempt).rejects.toBeInstanceOf(ChartRenderError);
    await expect(attempt).rejects.toMatchObject({
      name: 'ChartRenderError',
      statusCode: 502,
    });
    // A failure is not cached.
    await expect(
      renderer.render({
        release: 'demo-api',
        namespace: 'shop',
        chart,
        values: { ...demoApiValues, env: 'not-a-map' },
      }),
    ).rejects.toThrow(/range can't iterate/);
    expect(await helmRuns()).toBe(2);
  });

  it('rejects release names that are not DNS names', async () => {
    const renderer = newRenderer();
    await expect(
      renderer.render({
        release: '--debug',
        namespace: 'shop',
        chart,
        values: {},
      }),
    ).rejects.toThrow(/release must be a DNS-1123 name/);
    expect(await helmRuns()).toBe(0);
  });

  it("reads the chart's own values", async () => {
    const renderer = newRenderer();
    const defaults = await renderer.chartDefaults(chart);
    expect(defaults).toMatchObject({
      image: {
        repository: 'ghcr.io/envmesh-examples/service',
        tag: '',
        pullPolicy: 'IfNotPresent',
      },
      replicaCount: 1,
      env: {},
      virtualService: { enabled: false, gateways: [], hosts: [] },
    });
    (defaults as any).image.repository = 'changed';
    expect((await renderer.chartDefaults(chart)).image).toMatchObject({
      repository: 'ghcr.io/envmesh-examples/service',
    });
    expect(await helmRuns()).toBe(1);
  });

  it('renders with the renderer beside helm, the same objects and errors as helm', async () => {
    const request = {
      release: 'demo-api',
      namespace: 'env-a',
      chart,
      values: demoApiValues,
    };
    const byHelm = await newRenderer().render(request);
    const withRenderer = newRenderer({
      rendererBinary: path.join(binDir(), 'envmesh-helm-renderer'),
    });
    expect(await withRenderer.render(request)).toEqual(byHelm);
    expect(await withRenderer.chartDefaults(chart)).toEqual(
      await newRenderer().chartDefaults(chart),
    );
    const badValues = { ...request, values: { image: 'not-a-table' } };
    const helmError = await newRenderer()
      .render(badValues)
      .catch(e => e);
    const rendererError = await withRenderer.render(badValues).catch(e => e);
    expect(rendererError).toBeInstanceOf(ChartRenderError);
    expect(rendererError.message).toBe(helmError.message);
    expect(withRenderer.stats).toMatchObject({
      helmInvocations: 0,
      rendererRequests: 3,
    });
  });

  it('runs helm when the renderer cannot start', async () => {
    const renderer = newRenderer({
      rendererBinary: path.join(temp, 'no-such-renderer'),
    });
    const objects = await renderer.render({
      release: 'demo-api',
      namespace: 'env-a',
      chart,
      values: demoApiValues,
    });
    expect(objects.length).toBeGreaterThan(0);
    expect(renderer.stats).toMatchObject({
      helmInvocations: 1,
      rendererRequests: 1,
    });
  });

  it('fails clearly when the helm binary is missing', async () => {
    const renderer = newRenderer({
      helmBinary: path.join(temp, 'no-such-helm'),
    });
    await expect(renderer.chartDefaults(chart)).rejects.toThrow(
      /helm binary '.*no-such-helm' not found/,
    );
  });
});
