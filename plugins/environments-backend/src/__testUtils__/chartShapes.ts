import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binaryPath } from '@envmesh/local-cluster';

const run = promisify(execFile);

/**
 * The services of the chart-shapes repository, by the shape of their chart:
 * - `shape-a`: its own chart as `helm create` writes it (Services select on `app.kubernetes.io/instance`);
 * - `shape-b1`, `shape-b2`: one `helm create` chart shared by both (same `app.kubernetes.io/name`);
 * - `shape-c`: instance label and selector use the fullname (`<release>-<chart>`), and the chart renders its
 *   own gateway-bound VirtualService for `shape-c.demo.net`;
 * - `shape-d`: a StatefulSet instead of the Deployment, plus a CronJob;
 * - `shape-a-x`: `shape-a`'s chart again, so its objects are named what feature `x` of `shape-a` would name
 *   its instance's (the name-collision pair).
 */
export const CHART_SHAPE_SERVICES = [
  'shape-a',
  'shape-a-x',
  'shape-b1',
  'shape-b2',
  'shape-c',
  'shape-d',
] as const;

/**
 * A service in the repository but not in the environment: `shape-a`'s chart again, named what the feature
 * `f-shapes` of `shape-a` names its instance's objects (the reverse of the name-collision pair).
 */
export const RIVAL_SERVICE = 'shape-a-f-shapes';

/** The gateway-bound host shape-c's chart routes to its Service. */
export const SHAPE_C_HOST = 'shape-c.demo.net';

async function helmCreate(root: string, name: string): Promise<string> {
  const dir = path.join(root, 'charts', name);
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await run(binaryPath('helm'), ['create', dir]);
  return dir;
}

async function edit(file: string, change: (text: string) => string) {
  const before = await fs.readFile(file, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`${file}: the edit changed nothing`);
  await fs.writeFile(file, after);
}

async function service(root: string, name: string, chart: string) {
  const dir = path.join(root, 'services', name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(
    path.join(dir, 'service.yaml'),
    `name: ${name}\nstartupGroup: 0\nchart: ../../charts/${chart}\n`,
  );
  await fs.writeFile(path.join(dir, 'values.yaml'), 'replicaCount: 1\n');
}

/** A chart whose instance label and selector are the fullname, with its own gateway-bound VirtualService. */
async function fullnameChart(root: string, name: string, host: string) {
  const dir = await helmCreate(root, name);
  await edit(path.join(dir, 'templates/_helpers.tpl'), text =>
    text.replace(
      'app.kubernetes.io/instance: {{ .Release.Name }}',
      `app.kubernetes.io/instance: {{ include "${name}.fullname" . }}`,
    ),
  );
  await fs.writeFile(
    path.join(dir, 'templates/virtualservice.yaml'),
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {{ include "${name}.fullname" . }}-public
spec:
  hosts: [${host}]
  gateways: [demo-gateway]
  http:
    - name: public
      route:
        - destination:
            host: {{ include "${name}.fullname" . }}
            port:
              number: {{ .Values.service.port }}
`,
  );
}

/** A chart that runs a StatefulSet instead of the Deployment, plus a CronJob. */
async function statefulChart(root: string, name: string) {
  const dir = await helmCreate(root, name);
  await edit(path.join(dir, 'templates/deployment.yaml'), text =>
    text
      .replace('kind: Deployment', 'kind: StatefulSet')
      .replace(
        /^spec:\n/m,
        `spec:\n  serviceName: {{ include "${name}.fullname" . }}\n`,
      ),
  );
  await fs.writeFile(
    path.join(dir, 'templates/cronjob.yaml'),
    `apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ include "${name}.fullname" . }}-cleanup
  labels:
    {{- include "${name}.labels" . | nindent 4 }}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            {{- include "${name}.selectorLabels" . | nindent 12 }}
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: busybox:1.36
              command: [sh, -c, "echo cleanup"]
`,
  );
}

/**
 * Writes a services repository (the folder to import) whose charts come from the real `helm create`, edited
 * the way users' charts differ from it. Not envmesh's example chart: nothing here was written to suit envmesh.
 */
export async function makeChartShapesRepo(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-shapes-'));

  await helmCreate(root, 'shape-a');
  await service(root, 'shape-a', 'shape-a');
  await service(root, 'shape-a-x', 'shape-a');
  await service(root, RIVAL_SERVICE, 'shape-a');

  await helmCreate(root, 'shared');
  await service(root, 'shape-b1', 'shared');
  await service(root, 'shape-b2', 'shared');

  await fullnameChart(root, 'fullname', SHAPE_C_HOST);
  await service(root, 'shape-c', 'fullname');

  await statefulChart(root, 'stateful');
  await service(root, 'shape-d', 'stateful');
  return root;
}

/** The services of a fleet repository by shape, `a-000`... (see {@link makeChartShapesFleet}). */
export interface ChartShapesFleet {
  root: string;
  services: string[];
  /** A chain of three services (c → a → d shapes): the first is reached through its gateway host. */
  chain: [string, string, string];
}

/**
 * A services repository of `perShape` services of each of the four shapes, every one with a chart of its own
 * but the shared ones (two `b` services per chart): `a-NNN` as `helm create` writes it, `b-NNN` sharing a
 * chart, `c-NNN` fullname-labelled with a gateway-bound VirtualService for `c-NNN.demo.net`, `d-NNN` a
 * StatefulSet with a CronJob.
 */
export async function makeChartShapesFleet(
  perShape: number,
): Promise<ChartShapesFleet> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-fleet-'));
  const id = (shape: string, i: number) =>
    `${shape}-${String(i).padStart(3, '0')}`;
  const work: Array<() => Promise<void>> = [];
  for (let i = 0; i < perShape; i++) {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(shape => id(shape, i));
    work.push(async () => {
      await helmCreate(root, a);
      await service(root, a, a);
    });
    work.push(async () => {
      const chart = `shared-${Math.floor(i / 2)}`;
      // The chart is written once, by the first of the two services that share it.
      if (i % 2 === 0) await helmCreate(root, chart);
      await service(root, b, chart);
    });
    work.push(async () => {
      await fullnameChart(root, c, `${c}.demo.net`);
      await service(root, c, c);
    });
    work.push(async () => {
      await statefulChart(root, d);
      await service(root, d, d);
    });
  }
  // helm create is a process each: a few at a time.
  for (let i = 0; i < work.length; i += 8) {
    await Promise.all(work.slice(i, i + 8).map(w => w()));
  }
  const services = ['a', 'b', 'c', 'd'].flatMap(shape =>
    Array.from({ length: perShape }, (_, i) => id(shape, i)),
  );
  const middle = Math.floor(perShape / 2);
  return {
    root,
    services,
    chain: [id('c', middle), id('a', middle), id('d', middle)],
  };
}
