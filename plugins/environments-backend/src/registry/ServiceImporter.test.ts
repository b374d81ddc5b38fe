import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  UrlReaderService,
  UrlReaderServiceReadTreeResponse,
} from '@backstage/backend-plugin-api';
import { binaryPath } from '@envmesh/local-cluster';
import { ServiceDefinition } from '@envmesh/plugin-environments-common';
import { HelmRenderer } from '../render/HelmRenderer';
import {
  persistServiceImport,
  ServiceImporter,
  ServiceImportResult,
} from './ServiceImporter';
import { chartDigest } from './charts';

const examples = path.resolve(__dirname, '../../../../examples');

// Real helm (and git) processes on a possibly busy machine.
jest.setTimeout(120_000);

const EXPECTED = [
  {
    name: 'config-service',
    startupGroup: 0,
    image: {
      repository: 'ghcr.io/envmesh-examples/config-service',
      tag: '2.0.1',
    },
  },
  {
    name: 'demo-api',
    startupGroup: 1,
    image: { repository: 'ghcr.io/envmesh-examples/demo-api', tag: '1.4.2' },
  },
  {
    name: 'demo-orders',
    startupGroup: 1,
    image: {
      repository: 'ghcr.io/envmesh-examples/demo-orders',
      tag: '3.1.0',
    },
  },
  {
    name: 'demo-payments',
    startupGroup: 1,
    image: {
      repository: 'ghcr.io/envmesh-examples/demo-payments',
      tag: '0.9.7',
    },
  },
  {
    name: 'demo-ui',
    startupGroup: 2,
    image: { repository: 'ghcr.io/envmesh-examples/demo-ui', tag: '2.3.0' },
  },
];

function summary(result: ServiceImportResult) {
  return result.services.map(({ definition: d }) => ({
    name: d.name,
    startupGroup: d.startupGroup,
    image: d.image,
  }));
}

function git(args: string[], cwd?: string) {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=envmesh-test',
      '-c',
      'user.email=test@envmesh.invalid',
      '-c',
      'init.defaultBranch=main',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}

/** A services repository like examples/: the shared chart and services/<name>/. */
async function copyExamples(target: string) {
  await fs.mkdir(target, { recursive: true });
  await fs.cp(path.join(examples, 'charts'), path.join(target, 'charts'), {
    recursive: true,
  });
  await fs.cp(path.join(examples, 'services'), path.join(target, 'services'), {
    recursive: true,
  });
}

describe('ServiceImporter', () => {
  let temp: string;
  let renderer: HelmRenderer;
  let importer: ServiceImporter;

  beforeAll(async () => {
    temp = await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-import-test-'));
    renderer = new HelmRenderer({ helmBinary: binaryPath('helm') });
    importer = new ServiceImporter({
      renderer,
      helmBinary: binaryPath('helm'),
    });
  });

  afterAll(async () => {
    await renderer.close();
    await fs.rm(temp, { recursive: true, force: true });
  });

  it('imports a directory only inside the roots the operator allows, symlinks resolved', async () => {
    const allowed = await fs.mkdtemp(path.join(temp, 'allowed-'));
    const outside = await fs.mkdtemp(path.join(temp, 'outside-'));
    await fs.symlink(outside, path.join(allowed, 'escape'));
    const rooted = (directoryRoots: string[]) =>
      new ServiceImporter({
        renderer,
        helmBinary: binaryPath('helm'),
        directoryRoots,
      });
    const refusal = (rootedImporter: ServiceImporter, dir: string) =>
      rootedImporter.importServices({ type: 'directory', path: dir }).then(
        () => 'imported',
        (error: Error) => `${error.name}: ${error.message}`,
      );

    expect(await refusal(rooted([allowed]), outside)).toBe(
      `InputError: source.location: directory ${outside} is not inside a folder the operator allows imports from (environments.import.directoryRoots: ${allowed})`,
    );
    expect(
      await refusal(rooted([allowed]), path.join(allowed, 'escape')),
    ).toMatch(/^InputError: .* is not inside a folder the operator allows/);
    expect(await refusal(rooted([]), allowed)).toMatch(
      /\(environments\.import\.directoryRoots is not set\)$/,
    );
    // Git: a local repository follows the roots; remote hosts must be integrations; no other transport.
    const gitRooted = new ServiceImporter({
      renderer,
      helmBinary: binaryPath('helm'),
      directoryRoots: [allowed],
      allowsGitHost: host => host === 'github.com',
    });
    const gitRefusal = (url: string) =>
      gitRooted.importServices({ type: 'git', url }).then(
        () => 'imported',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    expect(await gitRefusal(outside)).toMatch(
      /^InputError: source\.location: directory .* is not inside a folder the operator allows/,
    );
    expect(await gitRefusal(`file://${outside}`)).toMatch(
      /^InputError: source\.location: directory .* is not inside a folder the operator allows/,
    );
    expect(await gitRefusal('https://git.example.net/acme/services.git')).toBe(
      "InputError: source.location: host git.example.net is not the host of one of the portal's integrations (the integrations config)",
    );
    expect(await gitRefusal('git@git.example.net:acme/services.git')).toMatch(
      /host git\.example\.net is not the host/,
    );
    expect(await gitRefusal(`ext::sh -c touch% ${outside}/pwned`)).toMatch(
      /^InputError: source\.location: .* is not an https, ssh or local Git URL$/,
    );
    expect(await fs.readdir(outside)).toEqual([]);

    // Inside a root (an empty folder imports nothing, but is read).
    expect(await refusal(rooted([allowed]), allowed)).toMatch(
      /^(imported|InputError: (?!.*operator allows))/,
    );
  });

  it('imports the example services from a directory', async () => {
    const result = await importer.importServices({
      type: 'directory',
      path: examples,
    });
    expect(result.failed).toEqual([]);
    expect(summary(result)).toEqual(EXPECTED);
    expect(result.created).toEqual(EXPECTED.map(s => s.name));
    expect(result.updated).toEqual([]);
    expect(result.unchanged).toEqual([]);
    expect(result.upsert.map(d => d.name)).toEqual(result.created);

    const demoApi = result.services[1].definition;
    expect(demoApi).toMatchObject({
      name: 'demo-api',
      source: { type: 'directory', location: examples },
      chart: { name: 'service', version: '0.1.0' },
      catalogEntityRef: 'component:default/demo-api',
      defaultValues: {
        image: { repository: 'ghcr.io/envmesh-examples/demo-api' },
        env: { SERVICE_NAME: 'demo-api' },
      },
    });
    expect(demoApi.chart.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(demoApi.chart.digest).toBe(
      await chartDigest(path.join(examples, 'charts/service')),
    );

    // One shared chart: stored once, one archive for all.
    expect(result.charts).toHaveLength(1);
    expect(result.charts[0]).toMatchObject({
      digest: demoApi.chart.digest,
      name: 'service',
      version: '0.1.0',
    });
    expect(result.charts[0].archive.subarray(0, 2)).toEqual(
      Buffer.from([0x1f, 0x8b]),
    );
    expect(new Set(result.services.map(s => s.archive)).size).toBe(1);

    // The archive is what the renderer needs.
    const objects = await renderer.render({
      release: 'demo-ui',
      namespace: 'x',
      chart: result.charts[0],
      values: result.services[4].definition.defaultValues,
    });
    expect(objects.map(o => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Service',
      'VirtualService',
    ]);

    // The store gets the chart once and the created definitions.
    const store = {
      putChart: jest.fn(async () => {}),
      upsertServices: jest.fn(async (_: ServiceDefinition[]) => {}),
    };
    await persistServiceImport(store, result);
    expect(store.putChart).toHaveBeenCalledTimes(1);
    expect(store.upsertServices.mock.calls[0][0]).toHaveLength(5);
  });

  it('computes the same chart digest wherever the chart is', async () => {
    const copy = path.join(temp, 'digest-copy');
    await copyExamples(copy);
    expect(await chartDigest(path.join(copy, 'charts/service'))).toBe(
      await chartDigest(path.join(examples, 'charts/service')),
    );
    await fs.appendFile(
      path.join(copy, 'charts/service/templates/service.yaml'),
      '\n',
    );
    expect(await chartDigest(path.join(copy, 'charts/service'))).not.toBe(
      await chartDigest(path.join(examples, 'charts/service')),
    );
  });

  it('imports the same services from a Git repository, at a branch, tag or commit', async () => {
    const bare = path.join(temp, 'services.git');
    const work = path.join(temp, 'services-work');
    git(['init', '--quiet', '--bare', bare]);
    git(['init', '--quiet', work]);
    await copyExamples(work);
    git(['add', '-A'], work);
    git(['commit', '--quiet', '-m', 'services'], work);
    const firstCommit = git(['rev-parse', 'HEAD'], work);
    git(['tag', 'v1'], work);
    git(['push', '--quiet', bare, 'main', 'v1'], work);

    const fromDirectory = await importer.importServices({
      type: 'directory',
      path: examples,
    });
    const onMain = await importer.importServices({
      type: 'git',
      url: bare,
      ref: 'main',
    });
    expect(onMain.failed).toEqual([]);
    expect(summary(onMain)).toEqual(EXPECTED);
    expect(onMain.revision).toBe(firstCommit);
    expect(onMain.services[0].definition.source).toEqual({
      type: 'git',
      location: bare,
      ref: 'main',
    });
    // Same charts and values as the directory import.
    const strip = (r: ServiceImportResult) =>
      r.services.map(({ definition: { source, updatedAt, ...rest } }) => rest);
    expect(strip(onMain)).toEqual(strip(fromDirectory));

    // A later commit on main changes demo-ui's tag; re-importing main updates demo-ui only.
    const uiValues = path.join(work, 'services/demo-ui/values.yaml');
    await fs.writeFile(
      uiValues,
      (await fs.readFile(uiValues, 'utf8')).replace('2.3.0', '2.4.0'),
    );
    git(['commit', '--quiet', '-am', 'demo-ui 2.4.0'], work);
    git(['push', '--quiet', bare, 'main'], work);
    const mainAgain = await importer.importServices(
      { type: 'git', url: bare, ref: 'main' },
      { existing: onMain.upsert },
    );
    expect(mainAgain.updated).toEqual(['demo-ui']);
    expect(mainAgain.unchanged).toHaveLength(4);
    expect(mainAgain.upsert[0].image.tag).toBe('2.4.0');

    // The default branch, a tag and a commit.
    const head = await importer.importServices({ type: 'git', url: bare });
    expect(
      head.services.find(s => s.definition.name === 'demo-ui')!.definition.image
        .tag,
    ).toBe('2.4.0');
    const atTag = await importer.importServices({
      type: 'git',
      url: bare,
      ref: 'v1',
    });
    expect(summary(atTag)).toEqual(EXPECTED);
    const atCommit = await importer.importServices({
      type: 'git',
      url: `file://${bare}`,
      ref: firstCommit,
    });
    expect(summary(atCommit)).toEqual(EXPECTED);
    expect(atCommit.revision).toBe(firstCommit);

    await expect(
      importer.importServices({
        type: 'git',
        url: path.join(temp, 'missing.git'),
      }),
    ).rejects.toThrow(/cannot clone/);
    await expect(
      importer.importServices({ type: 'git', url: bare, ref: 'no-such-ref' }),
    ).rejects.toThrow(/cannot clone .* at no-such-ref/);
  });

  it('imports from a Backstage UrlReader location', async () => {
    const fixture = path.join(temp, 'url-fixture');
    await copyExamples(fixture);
    const reads: string[] = [];
    const urlReader: UrlReaderService = {
      async readUrl() {
        throw new Error('not used');
      },
      async search() {
        throw new Error('not used');
      },
      async readTree(url): Promise<UrlReaderServiceReadTreeResponse> {
        reads.push(url);
        return {
          etag: 'etag-1',
          async files() {
            return [];
          },
          async archive() {
            throw new Error('not used');
          },
          async dir(options) {
            const dir =
              options?.targetDir ??
              (await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-tree-')));
            await fs.cp(fixture, dir, { recursive: true });
            return dir;
          },
        };
      },
    };
    const viaUrl = new ServiceImporter({
      renderer,
      helmBinary: binaryPath('helm'),
      urlReader,
    });
    const url = 'https://github.com/acme/services/tree/main';
    const result = await viaUrl.importServices({ type: 'url', url });
    expect(reads).toEqual([url]);
    expect(result.failed).toEqual([]);
    expect(summary(result)).toEqual(EXPECTED);
    expect(result.revision).toBe('etag-1');
    expect(result.services[0].definition.source).toEqual({
      type: 'url',
      location: url,
    });

    await expect(importer.importServices({ type: 'url', url })).rejects.toThrow(
      /needs a UrlReader/,
    );
  });

  it('re-import reports exactly the changed service as updated', async () => {
    const repo = path.join(temp, 'reimport');
    await copyExamples(repo);
    let now = new Date('2025-01-01T00:00:00Z');
    const timed = new ServiceImporter({
      renderer,
      helmBinary: binaryPath('helm'),
      now: () => now,
    });
    const first = await timed.importServices({ type: 'directory', path: repo });
    expect(first.created).toHaveLength(5);

    const again = await timed.importServices(
      { type: 'directory', path: repo },
      { existing: first.upsert },
    );
    expect(again.created).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.unchanged).toHaveLength(5);
    expect(again.upsert).toEqual([]);

    const file = path.join(repo, 'services/demo-orders/values.yaml');
    await fs.writeFile(
      file,
      `${await fs.readFile(file, 'utf8')}\nreplicaCount: 2\n`,
    );
    now = new Date('2025-01-02T00:00:00Z');
    const third = await timed.importServices(
      { type: 'directory', path: repo },
      { existing: first.upsert },
    );
    expect(third.updated).toEqual(['demo-orders']);
    expect(third.created).toEqual([]);
    expect(third.unchanged).toEqual([
      'config-service',
      'demo-api',
      'demo-payments',
      'demo-ui',
    ]);
    expect(third.failed).toEqual([]);
    expect(third.upsert).toHaveLength(1);
    expect(third.upsert[0]).toMatchObject({
      name: 'demo-orders',
      defaultValues: { replicaCount: 2 },
      updatedAt: '2025-01-02T00:00:00.000Z',
    });
    // Unchanged services keep their stored timestamp.
    expect(
      third.services.find(s => s.definition.name === 'demo-api')!.definition
        .updatedAt,
    ).toBe('2025-01-01T00:00:00.000Z');

    // A new service is created, the others are unchanged.
    await fs.cp(
      path.join(repo, 'services/demo-api'),
      path.join(repo, 'services/demo-search'),
      { recursive: true },
    );
    await fs.rm(path.join(repo, 'services/demo-search/service.yaml'));
    const fourth = await timed.importServices(
      { type: 'directory', path: repo },
      {
        existing: [
          ...first.upsert.filter(d => d.name !== 'demo-orders'),
          ...third.upsert,
        ],
      },
    );
    expect(fourth.created).toEqual(['demo-search']);
    expect(fourth.missing).toEqual([]);

    // A service removed from the repository is reported, not deleted.
    await fs.rm(path.join(repo, 'services/demo-search'), { recursive: true });
    const fifth = await timed.importServices(
      { type: 'directory', path: repo },
      {
        existing: [...third.services.map(s => s.definition), ...fourth.upsert],
      },
    );
    expect(fifth.missing).toEqual(['demo-search']);
    expect(fifth.unchanged).toHaveLength(5);
    expect(fourth.updated).toEqual([]);
    // Without service.yaml: named after its folder, startup group 0, chart = the only chart in charts/.
    expect(fourth.upsert[0]).toMatchObject({
      name: 'demo-search',
      startupGroup: 0,
    });
    expect(fourth.upsert[0].catalogEntityRef).toBeUndefined();
  });

  it('reports a broken service and imports the others', async () => {
    const repo = path.join(temp, 'broken');
    await copyExamples(repo);
    // Invalid YAML.
    await fs.writeFile(
      path.join(repo, 'services/demo-orders/values.yaml'),
      'image:\n  repository: [unclosed\n',
    );
    // Valid YAML the chart cannot render.
    await fs.writeFile(
      path.join(repo, 'services/demo-payments/values.yaml'),
      'image:\n  repository: ghcr.io/acme/payments\nenv: not-a-map\n',
    );
    // A name that is not a DNS label.
    await fs.mkdir(path.join(repo, 'services/Bad_Name'));
    await fs.writeFile(
      path.join(repo, 'services/Bad_Name/values.yaml'),
      'replicaCount: 1\n',
    );
    // A chart path leaving the repository.
    await fs.mkdir(path.join(repo, 'services/escape'));
    await fs.writeFile(
      path.join(repo, 'services/escape/service.yaml'),
      `name: escape\nchart: ${'../'.repeat(12)}${examples.slice(
        1,
      )}/charts/service\n`,
    );
    // A bad startup group.
    await fs.mkdir(path.join(repo, 'services/late'));
    await fs.writeFile(
      path.join(repo, 'services/late/service.yaml'),
      'startupGroup: soon\n',
    );
    // A propagation no one knows.
    await fs.mkdir(path.join(repo, 'services/chatty'));
    await fs.writeFile(
      path.join(repo, 'services/chatty/service.yaml'),
      'propagates: sometimes\n',
    );

    const result = await importer.importServices({
      type: 'directory',
      path: repo,
    });
    expect(result.services.map(s => s.definition.name)).toEqual([
      'config-service',
      'demo-api',
      'demo-ui',
    ]);
    expect(result.failed.map(f => f.name)).toEqual([
      'Bad_Name',
      'chatty',
      'demo-orders',
      'demo-payments',
      'escape',
      'late',
    ]);
    const error = (name: string) =>
      result.failed.find(f => f.name === name)!.error;
    expect(error('demo-orders')).toMatch(
      /^services\/demo-orders: values.yaml is not valid YAML/,
    );
    expect(error('demo-payments')).toMatch(
      /^services\/demo-payments: helm template demo-payments failed: .*range can't iterate over not-a-map/s,
    );
    expect(error('Bad_Name')).toMatch(
      /service name must be a DNS-1123 label.*'Bad_Name'/,
    );
    expect(error('escape')).toMatch(/outside the imported location/);
    expect(error('late')).toMatch(
      /startupGroup must be a non-negative integer/,
    );
    expect(error('chatty')).toMatch(
      /service.yaml: propagates must be one of header, baggage, none, got "sometimes"/,
    );
  });

  it('imports the one-chart-per-folder layout', async () => {
    const repo = path.join(temp, 'per-folder');
    const chart = path.join(examples, 'charts/service');
    for (const dir of ['billing', 'charts/ledger', 'charts/broken']) {
      await fs.cp(chart, path.join(repo, dir), { recursive: true });
    }
    // billing's chart defaults name its image; service.yaml gives metadata.
    const billingValues = path.join(repo, 'billing/values.yaml');
    await fs.writeFile(
      billingValues,
      (await fs.readFile(billingValues, 'utf8'))
        .replace('ghcr.io/envmesh-examples/service', 'ghcr.io/acme/billing')
        .replace('tag: ""', 'tag: "7.0.0"'),
    );
    await fs.writeFile(
      path.join(repo, 'billing/service.yaml'),
      'startupGroup: 3\ncatalogEntityRef: component:default/billing\npropagates: baggage\n',
    );
    await fs.writeFile(
      path.join(repo, 'charts/broken/templates/bad.yaml'),
      '{{ .Values.nope.missing }}\n',
    );
    await fs.mkdir(path.join(repo, 'docs'));

    const result = await importer.importServices({
      type: 'directory',
      path: repo,
    });
    expect(summary(result)).toEqual([
      {
        name: 'billing',
        startupGroup: 3,
        image: { repository: 'ghcr.io/acme/billing', tag: '7.0.0' },
      },
      {
        name: 'ledger',
        startupGroup: 0,
        image: { repository: 'ghcr.io/envmesh-examples/service' },
      },
    ]);
    expect(result.services[0].definition.defaultValues).toEqual({});
    expect(result.services[0].definition.propagates).toBe('baggage');
    expect(result.charts).toHaveLength(2);
    expect(result.failed).toEqual([
      {
        name: 'broken',
        error: expect.stringMatching(
          /^charts\/broken: helm template broken failed: .*nil pointer/s,
        ),
      },
    ]);
  });

  it('rejects a source without services', async () => {
    const empty = path.join(temp, 'empty');
    await fs.mkdir(empty);
    await expect(
      importer.importServices({ type: 'directory', path: empty }),
    ).rejects.toThrow(/no services found/);
    await expect(
      importer.importServices({
        type: 'directory',
        path: path.join(temp, 'missing'),
      }),
    ).rejects.toThrow(/does not exist/);
  });

  it('imports 300 generated services', async () => {
    const repo = path.join(temp, 'many');
    await fs.mkdir(path.join(repo, 'services'), { recursive: true });
    await fs.cp(path.join(examples, 'charts'), path.join(repo, 'charts'), {
      recursive: true,
    });
    const names = Array.from(
      { length: 300 },
      (_, i) => `svc-${String(i + 1).padStart(3, '0')}`,
    );
    for (const [i, name] of names.entries()) {
      await fs.mkdir(path.join(repo, 'services', name));
      await fs.writeFile(
        path.join(repo, 'services', name, 'values.yaml'),
        [
          'image:',
          `  repository: ghcr.io/acme/${name}`,
          `  tag: "1.0.${i}"`,
          'env:',
          `  SERVICE_NAME: ${name}`,
          'config:',
          `  INDEX: "${i}"`,
          '',
        ].join('\n'),
      );
      await fs.writeFile(
        path.join(repo, 'services', name, 'service.yaml'),
        `startupGroup: ${i % 3}\n`,
      );
    }
    const many = new HelmRenderer({ helmBinary: binaryPath('helm') });
    try {
      const started = Date.now();
      const result = await new ServiceImporter({
        renderer: many,
        helmBinary: binaryPath('helm'),
      }).importServices({ type: 'directory', path: repo });
      const ms = Date.now() - started;
      // eslint-disable-next-line no-console
      console.log(
        `imported ${result.services.length} services in ${ms} ms (${many.stats.helmInvocations} helm runs)`,
      );
      expect(result.failed).toEqual([]);
      expect(result.created).toEqual(names);
      expect(result.charts).toHaveLength(1);
      expect(result.services[299].definition).toMatchObject({
        name: 'svc-300',
        startupGroup: 2,
        image: { repository: 'ghcr.io/acme/svc-300', tag: '1.0.299' },
      });
    } finally {
      await many.close();
    }
  }, 300_000);
});
