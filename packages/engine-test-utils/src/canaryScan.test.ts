/*
 * One canary scan over every surface (issue 14, item 8): secret values given on create, a secret set, an update,
 * a copy, a diff and an update whose apply fails reach the cluster's Secrets and nothing else: no API response
 * (reads, errors and operation logs included), log line, audit event, search document, catalog entity or export.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import {
  coreServices,
  createBackendModule,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { catalogModuleEnvironmentsProvider } from '@envmesh/plugin-catalog-backend-module-environments';
import {
  EnvironmentsCollatorFactory,
  FeatureBranchesCollatorFactory,
} from '@envmesh/plugin-search-backend-module-environments';
import { examples, RealEngine, startRealEngine } from './realEngine';

jest.setTimeout(600_000);

/** Everything a surface said, each entry named by where it came from. */
const said: Array<{ surface: string; text: string }> = [];
function record(surface: string, value: unknown) {
  said.push({
    surface,
    text: typeof value === 'string' ? value : JSON.stringify(value) ?? '',
  });
}

const logger = mockServices.logger.mock();
for (const level of ['error', 'warn', 'info', 'debug'] as const) {
  logger[level].mockImplementation((message: string, meta?: unknown) =>
    record('log', `${message} ${JSON.stringify(meta ?? {})}`),
  );
}
logger.child.mockImplementation(() => logger);

const auditor = mockServices.auditor.mock({
  createEvent: async options => {
    record('audit', options.meta);
    return {
      success: async o => record('audit', o?.meta),
      fail: async o => record('audit', { ...o?.meta, error: String(o?.error) }),
    };
  },
});

/** A value no document could contain by chance. */
const canary = (what: string) =>
  `${what}-${crypto.randomBytes(12).toString('hex')}`;

describe('secret values, traced through every surface', () => {
  let engine: RealEngine;
  let scheduler: SchedulerService | undefined;
  const canaries: string[] = [];

  /** A call of the environments API whose answer is recorded. */
  async function api(method: string, url: string, body?: unknown) {
    const res = await engine.call(method, `/api/environments${url}`, body);
    record(`${method} ${url}`, res.body);
    return res;
  }

  /** Waits for an operation to end, recording its answers and its log. */
  async function ended(id: string) {
    for (;;) {
      const { body } = await api('GET', `/operations/${id}`);
      if (!['pending', 'running'].includes(body.state)) {
        await api('GET', `/operations/${id}/logs`);
        return body;
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  async function secretData(namespace: string) {
    const secret = await engine.kube(
      `/api/v1/namespaces/${namespace}/secrets/demo-db-credentials`,
    );
    return Object.fromEntries(
      Object.entries(secret.data).map(([key, value]) => [
        key,
        Buffer.from(value as string, 'base64').toString(),
      ]),
    );
  }

  const secretsWith = (values: Record<string, string>) => ({
    configMaps: engine.definition.spec.config.configMaps,
    secrets: [{ name: 'demo-db-credentials', type: 'Opaque', values }],
  });

  beforeAll(async () => {
    const captureScheduler = createBackendModule({
      pluginId: 'catalog',
      moduleId: 'test-scheduler-capture',
      register(reg) {
        reg.registerInit({
          deps: { s: coreServices.scheduler },
          async init({ s }) {
            scheduler = s;
          },
        });
      },
    });
    engine = await startRealEngine({
      features: [
        logger.factory,
        auditor.factory,
        catalogPlugin,
        catalogModuleEnvironmentsProvider,
        captureScheduler,
      ],
      config: {
        catalog: {
          rules: [{ allow: ['Component', 'System', 'Resource'] }],
          locations: [
            { type: 'file', target: path.join(examples, 'entities.yaml') },
          ],
          providers: { envmesh: { system: 'system:default/demo-shop' } },
        },
      },
    });
    // The create's values (startRealEngine created demo-dev with them).
    canaries.push(...Object.values(engine.secretValues));
  });

  afterAll(async () => {
    await api('DELETE', '/environments/demo-copy').catch(() => undefined);
    await engine?.stop();
  });

  it('writes every value to the cluster and says none of them anywhere', async () => {
    // A secret set.
    const set = { username: canary('set-user'), password: canary('set-pw') };
    canaries.push(...Object.values(set));
    expect(
      (
        await api('PUT', '/environments/demo-dev/secrets/demo-db-credentials', {
          values: set,
        })
      ).status,
    ).toBe(204);
    expect(await secretData(engine.namespace)).toEqual(set);

    // An update with new values.
    const updated = {
      username: canary('upd-user'),
      password: canary('upd-pw'),
    };
    canaries.push(...Object.values(updated));
    const update = await api('PATCH', '/environments/demo-dev', {
      config: secretsWith(updated),
    });
    expect(update.status).toBe(202);
    expect((await ended(update.body.id)).state).toBe('succeeded');
    expect(await secretData(engine.namespace)).toEqual(updated);

    // A copy takes the source's values into the new namespace.
    const copy = await api('POST', '/environments/demo-dev/copy', {
      name: 'demo-copy',
      namespace: `${engine.namespace}-copy`,
    });
    expect(copy.status).toBe(202);
    expect((await ended(copy.body.id)).state).toBe('succeeded');
    expect(await secretData(`${engine.namespace}-copy`)).toEqual(updated);

    // A diff with values changes nothing and says none.
    const diffed = {
      username: canary('diff-user'),
      password: canary('diff-pw'),
    };
    canaries.push(...Object.values(diffed));
    expect(
      (
        await api('POST', '/environments/demo-dev/diff', {
          config: secretsWith(diffed),
        })
      ).status,
    ).toBe(200);
    expect(await secretData(engine.namespace)).toEqual(updated);

    // An update whose apply fails: the values are written first, the error names the service, not them.
    const failing = {
      username: canary('fail-user'),
      password: canary('fail-pw'),
    };
    canaries.push(...Object.values(failing));
    const broken = await api('PATCH', '/environments/demo-dev', {
      config: secretsWith(failing),
      services: engine.definition.spec.services.map((s: any) =>
        s.name === 'demo-api'
          ? { ...s, keyValues: { replicaCount: 'many' } }
          : s,
      ),
    });
    expect(broken.status).toBe(202);
    const failed = await ended(broken.body.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain('demo-api');
    expect(await secretData(engine.namespace)).toEqual(failing);

    // Every read a user or another plugin makes.
    for (const read of [
      '/environments',
      '/environments/demo-dev',
      '/environments/demo-dev/status',
      '/environments/demo-dev/export',
      '/environments/demo-dev/revisions',
      '/environments/demo-dev/operations',
      '/environments/demo-dev/lifecycle',
      '/environments/demo-dev/cost',
      '/environments/demo-dev/services/demo-api/values',
      '/environments/demo-copy/export',
      '/features',
    ]) {
      expect((await api('GET', read)).status).toBe(200);
    }
    // YAML, not JSON.
    const manifest = await fetch(
      `${engine.baseUrl}/api/environments/environments/demo-dev/services/demo-api/manifest`,
      { headers: { Authorization: mockCredentials.user.header() } },
    );
    expect(manifest.status).toBe(200);
    record('manifest', await manifest.text());
    record(
      'in-process export',
      await engine.environments.exportEnvironment('demo-dev', {
        credentials: await mockServices.auth().getOwnServiceCredentials(),
      }),
    );

    // What search indexes and the catalog shows.
    for (const factory of [
      EnvironmentsCollatorFactory,
      FeatureBranchesCollatorFactory,
    ]) {
      const collator = await factory
        .create({
          auth: mockServices.auth(),
          logger,
          environments: engine.environments,
        })
        .getCollator();
      for await (const document of collator) record('search', document);
    }
    await scheduler!.triggerTask('envmesh-environments:refresh');
    for (const name of ['demo-dev', 'demo-copy']) {
      let entity;
      for (let i = 0; i < 120 && !entity; i++) {
        const res = await engine.call(
          'GET',
          `/api/catalog/entities/by-name/resource/default/${name}`,
        );
        if (res.status === 200) entity = res.body;
        else await new Promise(resolve => setTimeout(resolve, 500));
      }
      expect(entity).toBeDefined();
      record('catalog', entity);
    }

    const surfaces = new Set(said.map(s => s.surface.split(' ')[0]));
    expect([...surfaces]).toEqual(
      expect.arrayContaining([
        'log',
        'audit',
        'GET',
        'PUT',
        'PATCH',
        'POST',
        'search',
        'catalog',
        'manifest',
        'in-process',
      ]),
    );
    const leaks = said.flatMap(({ surface, text }) =>
      canaries.filter(c => text.includes(c)).map(c => `${surface}: ${c}`),
    );
    expect(leaks).toEqual([]);
    // Counted, so a scan that read nothing cannot pass unnoticed.
    expect(said.length).toBeGreaterThan(100);
    expect(canaries).toHaveLength(10);
  });
});
