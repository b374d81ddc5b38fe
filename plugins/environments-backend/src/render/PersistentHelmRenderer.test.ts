import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binaryPath, binDir } from '@envmesh/local-cluster';
import { makeChartShapesRepo } from '../__testUtils__/chartShapes';
import { ChartRenderError } from './ChartRenderError';
import { HelmProcess } from './HelmProcess';
import {
  helmTemplateArgs,
  PersistentHelmRenderer,
  RendererTemplateRequest,
} from './PersistentHelmRenderer';
import { RENDERER_BINARY_NAME } from './rendererBinary';
import {
  writeKitchenSinkChart,
  writeRefusedCharts,
} from './__testUtils__/testCharts';

const run = promisify(execFile);
const examples = path.resolve(__dirname, '../../../../examples');

// Real helm processes on a possibly busy machine.
jest.setTimeout(180_000);

type Outcome = { output: string } | { error: string };

async function outcome(rendering: Promise<string>): Promise<Outcome> {
  try {
    return { output: await rendering };
  } catch (error) {
    if (error instanceof ChartRenderError) return { error: error.message };
    throw error;
  }
}

describe('PersistentHelmRenderer', () => {
  let temp: string;
  let helm: HelmProcess;
  let renderer: PersistentHelmRenderer;

  /** A values file with `text`. */
  const valuesFile = async (name: string, text: string) => {
    const file = path.join(temp, 'values', `${name}.yaml`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    return file;
  };

  /** Renders with helm and with the renderer; they must print the same bytes, or fail with the same message. */
  const expectSame = async (
    request: RendererTemplateRequest,
  ): Promise<Outcome> => {
    const what = `helm template ${request.release}`;
    const [byHelm, byRenderer] = await Promise.all([
      outcome(helm.run(helmTemplateArgs(request), what)),
      outcome(renderer.template(request, what)),
    ]);
    expect({ request, ...byRenderer }).toEqual({ request, ...byHelm });
    return byHelm;
  };

  const expectOutput = async (request: RendererTemplateRequest) => {
    const result = await expectSame(request);
    if (!('output' in result)) throw new Error(result.error);
    expect(result.output).toContain('# Source: ');
    return result.output;
  };

  const expectError = async (request: RendererTemplateRequest) => {
    const result = await expectSame(request);
    if (!('error' in result)) throw new Error(`${request.release} rendered`);
    return result.error;
  };

  beforeAll(async () => {
    temp = await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-renderer-test-'));
    helm = new HelmProcess({
      helmBinary: binaryPath('helm'),
      cacheDir: path.join(temp, 'cache'),
      concurrency: 2,
      timeoutMs: 120_000,
    });
    const binary = path.join(binDir(), RENDERER_BINARY_NAME);
    await fs.access(binary).catch(() => {
      throw new Error(
        `${binary} is missing: run tools/build-binaries.sh (scripts/bootstrap.sh does)`,
      );
    });
    renderer = new PersistentHelmRenderer({
      binary,
      env: () => helm.env(),
      concurrency: 2,
      timeoutMs: 120_000,
    });
  });

  afterAll(async () => {
    await renderer?.close();
    await helm?.close();
    await fs.rm(temp, { recursive: true, force: true });
  });

  it('renders every example service as helm template does', async () => {
    const chartPath = path.join(examples, 'charts/service');
    const services = await fs.readdir(path.join(examples, 'services'));
    const rendered = [];
    for (const service of services) {
      const valuesPath = path.join(
        examples,
        'services',
        service,
        'values.yaml',
      );
      if (!(await fs.stat(valuesPath).catch(() => undefined))) continue;
      rendered.push(
        expectOutput({
          release: service,
          namespace: 'env-a',
          chartPath,
          valuesPath,
          skipTests: true,
        }),
      );
    }
    expect((await Promise.all(rendered)).length).toBeGreaterThanOrEqual(4);

    // The packaged chart, as envmesh stores it.
    const out = path.join(temp, 'packaged');
    await run(binaryPath('helm'), ['package', chartPath, '-d', out]);
    const [archive] = await fs.readdir(out);
    await expectOutput({
      release: 'demo-api',
      namespace: 'env-b',
      chartPath: path.join(out, archive),
      valuesPath: path.join(examples, 'services/demo-api/values.yaml'),
      skipTests: true,
    });
  });

  it("renders the chart-shape charts (helm create's and edited ones) as helm template does", async () => {
    const repo = await makeChartShapesRepo();
    try {
      const valuesPath = await valuesFile('shapes', 'replicaCount: 1\n');
      const charts = await fs.readdir(path.join(repo, 'charts'));
      expect(charts.sort()).toEqual([
        'fullname',
        'shape-a',
        'shared',
        'stateful',
      ]);
      await Promise.all(
        charts.map(chart =>
          expectOutput({
            release: `svc-${chart}`,
            namespace: 'env-shapes',
            chartPath: path.join(repo, 'charts', chart),
            valuesPath,
            skipTests: true,
          }),
        ),
      );
      // helm create's test hook, printed when tests are not skipped.
      const withTests = await expectOutput({
        release: 'with-tests',
        namespace: 'env-shapes',
        chartPath: path.join(repo, 'charts/shape-a'),
        valuesPath,
        skipTests: false,
      });
      expect(withTests).toContain('"helm.sh/hook": test');
    } finally {
      await fs.rm(repo, { recursive: true, force: true });
    }
  });

  it('renders CRDs, hooks, tests, subcharts and capabilities as helm template does', async () => {
    const chartPath = await writeKitchenSinkChart(temp);
    const defaults = await valuesFile('empty', '{}\n');
    const request = {
      release: 'sink',
      namespace: 'env-sink',
      chartPath,
      valuesPath: defaults,
      skipTests: true,
    };
    const plain = await expectOutput(request);
    expect(plain).toContain('helm.sh/hook: pre-install,pre-upgrade');
    expect(plain).toContain('name: sink-sub');
    expect(plain).not.toContain('sink-test');
    expect(plain).not.toContain('CustomResourceDefinition');

    const everything = await expectOutput({
      ...request,
      skipTests: false,
      includeCrds: true,
      kubeVersion: 'v1.31.2',
      apiVersions: ['networking.istio.io/v1', 'example.com/v1'],
    });
    expect(everything).toContain('kind: CustomResourceDefinition');
    expect(everything).toContain('name: sink-test');
    expect(everything).toContain('kubeVersion: "v1.31.2"');
    expect(everything).toContain('istio: "true"');

    const withoutSubchart = await expectOutput({
      ...request,
      valuesPath: await valuesFile('no-sub', 'sub: { enabled: false }\n'),
    });
    expect(withoutSubchart).not.toContain('name: sink-sub');

    // A table over a scalar: helm warns (on stderr) and renders.
    await expectOutput({
      ...request,
      valuesPath: await valuesFile('table-scalar', 'label: { x: 1 }\n'),
    });
  });

  it("fails with helm's message", async () => {
    const chartPath = await writeKitchenSinkChart(temp);
    const refused = await writeRefusedCharts(temp);
    const request = {
      release: 'sink',
      namespace: 'env-sink',
      chartPath,
      valuesPath: await valuesFile('empty', '{}\n'),
      skipTests: true,
    };
    const values = (name: string, text: string) =>
      valuesFile(name, text).then(valuesPath => ({ ...request, valuesPath }));

    // helm's deprecation warning comes first: it is on stderr too.
    expect(await expectError(await values('fail', 'failWith: boom\n'))).toBe(
      [
        'helm template sink failed: WARNING: This chart is deprecated',
        'Error: execution error at (kitchen-sink/templates/configmap.yaml:1:29): boom',
      ].join('\n'),
    );
    // The warnings helm logged before failing are part of its message.
    expect(
      await expectError(
        await values('warn-fail', 'failWith: boom\nlabel: { x: 1 }\n'),
      ),
    ).toMatch(
      /warning: skipped value for kitchen-sink.label[\s\S]*Error: .*boom$/,
    );
    expect(
      await expectError(await values('required', 'message: ""\n')),
    ).toContain('message is required');
    expect(
      await expectError(await values('broken', 'brokenYaml: true\n')),
    ).toContain('YAML parse error on kitchen-sink/templates/broken.yaml');
    expect(await expectError(await values('not-yaml', 'a: [\n'))).toContain(
      'failed to parse',
    );
    expect(await expectError({ ...request, kubeVersion: 'v1.18.0' })).toContain(
      'chart requires kubeVersion: >=1.19.0-0',
    );
    expect(await expectError({ ...request, kubeVersion: 'latest' })).toContain(
      "invalid kube version 'latest'",
    );
    expect(await expectError({ ...request, release: 'Bad_Name' })).toContain(
      'invalid release name',
    );
    expect(
      await expectError({ ...request, chartPath: path.join(temp, 'absent') }),
    ).toContain('not found');
    expect(
      await expectError({ ...request, chartPath: refused.library }),
    ).toContain('library charts are not installable');
    expect(
      await expectError({ ...request, chartPath: refused.missingDependency }),
    ).toContain('helm dependency build');
    // A failure does not cost the renderer its process.
    expect(renderer.available).toBe(true);
  });

  it('shows values as helm show values does', async () => {
    const chartPath = await writeKitchenSinkChart(temp);
    for (const chart of [chartPath, path.join(examples, 'charts/service')]) {
      const what = `helm show values ${chart}`;
      const [byHelm, byRenderer] = await Promise.all([
        outcome(helm.run(['show', 'values', chart], what)),
        outcome(renderer.showValues(chart, what)),
      ]);
      expect(byRenderer).toEqual(byHelm);
      expect(byHelm).toHaveProperty('output');
    }
  });

  it('renders faster than a helm process per render', async () => {
    const request = {
      release: 'demo-api',
      namespace: 'env-a',
      chartPath: path.join(examples, 'charts/service'),
      valuesPath: path.join(examples, 'services/demo-api/values.yaml'),
      skipTests: true,
    };
    const timed = async (render: () => Promise<string>) => {
      const start = performance.now();
      for (let i = 0; i < 10; i++) await render();
      return (performance.now() - start) / 10;
    };
    const byHelm = await timed(() =>
      helm.run(helmTemplateArgs(request), 'helm template'),
    );
    const byRenderer = await timed(() =>
      renderer.template(request, 'helm template'),
    );
    expect(byRenderer).toBeGreaterThan(0);
    // One line for the log; no assertion on a shared machine's timing.
    // eslint-disable-next-line no-console
    console.log(
      `render of demo-api: helm template ${byHelm.toFixed(
        1,
      )} ms, renderer ${byRenderer.toFixed(1)} ms (mean of 10)`,
    );
  });
});
