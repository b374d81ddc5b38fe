import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { ApiCall, startImportedBackend } from './__testUtils__/integration';

const examples = path.resolve(__dirname, '../../../examples');
const CANARY = `canary-${crypto.randomBytes(6).toString('hex')}`;

type ExportedFile = { path: string; content: string };

/** examples/environments/demo-dev.yaml as a create request for another name (its namespace the same). */
function demoDevRequest(name: string) {
  const document = yaml.load(
    fs.readFileSync(path.join(examples, 'environments/demo-dev.yaml'), 'utf8'),
  ) as any;
  return {
    ...document.spec,
    name,
    namespace: name,
    description: document.metadata.description,
    config: {
      ...document.spec.config,
      secrets: document.spec.config.secrets.map((s: any) => ({
        ...s,
        values: Object.fromEntries(s.keys.map((k: string) => [k, CANARY])),
      })),
    },
  };
}

/** `kind/name` of every object in a stream of YAML documents. */
function objectsIn(content: string): string[] {
  return yaml
    .loadAll(content)
    .filter(Boolean)
    .map((o: any) => `${o.kind}/${o.metadata.name}`);
}

/** `kustomize build` of a folder of the export (kustomize from the bin folder bootstrap builds). */
function kustomizeBuild(root: string, folder: string): string {
  return execFileSync(
    path.join(process.env.ENVMESH_BIN_DIR!, 'kustomize'),
    ['build', path.join(root, folder)],
    { encoding: 'utf8' },
  );
}

async function exportOf(call: ApiCall, name: string): Promise<ExportedFile[]> {
  const res = await call('get', `/environments/${name}/export`);
  expect(res.status).toBe(200);
  return res.body.files;
}

describe('GET /environments/{name}/export', () => {
  let call: ApiCall;
  let stop: () => Promise<void>;
  const suffix = crypto.randomBytes(3).toString('hex');
  const first = `export-a-${suffix}`;
  const second = `export-b-${suffix}`;

  beforeAll(async () => {
    ({ call, stop } = await startImportedBackend(examples, {}));
  });
  afterAll(async () => {
    for (const name of [first, second]) {
      await call('delete', `/environments/${name}`);
    }
    await stop();
  });

  it('gives the Environment document and the rendered manifests as kustomizations, no secret value', async () => {
    expect(
      (await call('post', '/environments', demoDevRequest(first))).status,
    ).toBe(202);
    const files = await exportOf(call, first);
    const paths = files.map(f => f.path);
    expect(paths).toEqual([...paths].sort((a, b) => a.localeCompare(b)));

    const document = yaml.load(
      files.find(f => f.path === 'environment.yaml')!.content,
    ) as any;
    expect(document).toMatchObject({
      apiVersion: 'envmesh.io/v1alpha1',
      kind: 'Environment',
      metadata: { name: first },
      spec: {
        cluster: 'local',
        namespace: first,
        config: {
          secrets: [
            {
              name: 'demo-db-credentials',
              type: 'Opaque',
              keys: ['password', 'username'],
            },
          ],
        },
      },
    });
    expect(document.spec.services.map((s: any) => s.name)).toEqual(
      demoDevRequest(first).services.map((s: any) => s.name),
    );
    for (const file of files) expect(file.content).not.toContain(CANARY);

    // Every kustomization lists files and folders of the export, each folder with a kustomization of its own.
    const byPath = new Map(files.map(f => [f.path, f.content]));
    const kustomizations = paths.filter(p => p.endsWith('kustomization.yaml'));
    expect(kustomizations).toContain('manifests/kustomization.yaml');
    for (const file of kustomizations) {
      const dir = path.posix.dirname(file);
      const { apiVersion, kind, resources } = yaml.load(
        byPath.get(file)!,
      ) as any;
      expect({ apiVersion, kind }).toEqual({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
      });
      for (const resource of resources) {
        const target = `${dir}/${resource}`;
        expect(
          byPath.has(target) || byPath.has(`${target}/kustomization.yaml`),
        ).toBe(true);
      }
    }
    // One folder per service, each object in the environment's namespace unless it names its own.
    const deployment = yaml.load(
      byPath.get('manifests/demo-api/deployment-demo-api.yaml')!,
    ) as any;
    expect(deployment.metadata.namespace).toBe(first);
    expect(yaml.load(byPath.get('manifests/namespace.yaml')!)).toMatchObject({
      kind: 'Namespace',
      metadata: { name: first },
    });
  });

  it('round-trips: an environment created from the export exports the same files, apart from its name', async () => {
    const files = await exportOf(call, first);
    const document = yaml.load(
      files.find(f => f.path === 'environment.yaml')!.content,
    ) as any;
    const created = await call('post', '/environments', {
      ...document.spec,
      name: second,
      namespace: second,
      description: document.metadata.description,
    });
    expect(created.status).toBe(202);
    const again = await exportOf(call, second);
    const renamed = (f: ExportedFile) => ({
      path: f.path,
      content: f.content.split(first).join(second),
    });
    expect(again).toEqual(files.map(renamed));
  });

  it('builds with kustomize as Argo CD and Flux build it: the whole environment from manifests/, each service from its folder', async () => {
    const files = await exportOf(call, first);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-export-'));
    try {
      for (const file of files) {
        fs.mkdirSync(path.join(root, path.dirname(file.path)), {
          recursive: true,
        });
        fs.writeFileSync(path.join(root, file.path), file.content);
      }
      const manifests = files.filter(
        f =>
          f.path.startsWith('manifests/') &&
          !f.path.endsWith('kustomization.yaml'),
      );
      const sorted = (names: string[]) => [...names].sort();
      expect(sorted(objectsIn(kustomizeBuild(root, 'manifests')))).toEqual(
        sorted(manifests.flatMap(f => objectsIn(f.content))),
      );
      const demoApi = manifests.filter(f =>
        f.path.startsWith('manifests/demo-api/'),
      );
      expect(demoApi.length).toBeGreaterThan(0);
      expect(
        sorted(objectsIn(kustomizeBuild(root, 'manifests/demo-api'))),
      ).toEqual(sorted(demoApi.flatMap(f => objectsIn(f.content))));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('answers 404 for an unknown environment', async () => {
    const res = await call('get', '/environments/no-such-environment/export');
    expect(res.status).toBe(404);
  });
});
