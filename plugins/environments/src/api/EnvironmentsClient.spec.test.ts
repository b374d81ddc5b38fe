// This test runs in Node, so it reads the backend's spec from disk.
// eslint-disable-next-line no-restricted-imports
import { readFileSync } from 'fs';
// eslint-disable-next-line no-restricted-imports
import { resolve } from 'path';
import { load } from 'js-yaml';
import { mockApis } from '@backstage/test-utils';
import { EnvironmentsApi } from './EnvironmentsApi';
import { EnvironmentsClient } from './EnvironmentsClient';

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, unknown>;
  required?: string[];
};

type Spec = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name?: string; in?: string }>;
        requestBody?: {
          required?: boolean;
          content?: Record<string, { schema?: Schema }>;
        };
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

const spec = load(
  readFileSync(
    resolve(__dirname, '../../../environments-backend/src/schema/openapi.yaml'),
    'utf8',
  ),
) as Spec;

const baseUrl = 'http://backstage.test/api/environments';

/** The schema a `$ref` points to (`#/components/schemas/Name`), or the schema itself. */
function resolveSchema(schema: Schema): Schema {
  if (!schema.$ref) {
    return schema;
  }
  const name = schema.$ref.replace('#/components/schemas/', '');
  return spec.components.schemas[name];
}

/**
 * One call of every client method, with arguments that need encoding, and the JSON body it must send
 * (none if left out).
 */
const calls: Record<
  keyof EnvironmentsApi,
  { call: (api: EnvironmentsApi) => unknown; body?: unknown }
> = {
  listEnvironments: { call: api => api.listEnvironments() },
  listClusters: { call: api => api.listClusters() },
  getClusterStatus: { call: api => api.getClusterStatus('eu west') },
  getEnvironment: { call: api => api.getEnvironment('demo') },
  getStatus: { call: api => api.getStatus('demo') },
  listOperations: { call: api => api.listOperations('demo') },
  getOperation: { call: api => api.getOperation('op/1') },
  getOperationLogs: { call: api => api.getOperationLogs('op-1', 7) },
  getServiceValues: {
    call: api => api.getServiceValues('demo', 'demo-api'),
  },
  diffEnvironment: {
    call: api => api.diffEnvironment('demo', { globalValues: { a: 1 } }),
    body: { globalValues: { a: 1 } },
  },
  updateEnvironment: {
    call: api => api.updateEnvironment('demo', { globalValues: { a: 1 } }),
    body: { globalValues: { a: 1 } },
  },
  listServices: { call: api => api.listServices() },
  createEnvironment: {
    call: api =>
      api.createEnvironment({
        name: 'demo-2',
        cluster: 'local',
        owner: 'group:default/platform-team',
      }),
    body: {
      name: 'demo-2',
      cluster: 'local',
      owner: 'group:default/platform-team',
    },
  },
  copyEnvironment: {
    call: api =>
      api.copyEnvironment('demo', { name: 'demo-copy', namespace: 'copy' }),
    body: { name: 'demo-copy', namespace: 'copy' },
  },
  deleteEnvironment: {
    call: api => api.deleteEnvironment('demo', { cascade: true }),
  },
  sleepEnvironment: { call: api => api.sleepEnvironment('demo') },
  wakeEnvironment: {
    call: api =>
      api.wakeEnvironment('demo', {
        until: new Date('2026-12-04T18:00:00.000Z'),
      }),
    body: { until: '2026-12-04T18:00:00.000Z' },
  },
  getEnvironmentLifecycle: { call: api => api.getEnvironmentLifecycle('demo') },
  updateEnvironmentLifecycle: {
    call: api =>
      api.updateEnvironmentLifecycle('demo', {
        sleepSchedule: {
          timeZone: 'Europe/Berlin',
          windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5' }],
        },
      }),
    body: {
      sleepSchedule: {
        timeZone: 'Europe/Berlin',
        windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5' }],
      },
    },
  },
  keepEnvironment: { call: api => api.keepEnvironment('demo') },
  writeSecretValues: {
    call: api =>
      api.writeSecretValues('demo', 'db credentials', { password: 'p' }),
    body: { values: { password: 'p' } },
  },
  listRevisions: { call: api => api.listRevisions('demo', 'demo api') },
  rollbackService: {
    call: api => api.rollbackService('demo', 'demo-api', 2),
    body: { revision: 2 },
  },
  getServiceManifest: {
    call: api => api.getServiceManifest('demo', 'demo-api'),
  },
  cancelOperation: { call: api => api.cancelOperation('op-1') },
  listFeatures: { call: api => api.listFeatures('demo') },
  getFeature: { call: api => api.getFeature('feature-1') },
  extendFeature: {
    call: api => api.extendFeature('feature-1', 24),
    body: { hours: 24 },
  },
  redeployFeature: { call: api => api.redeployFeature('feature 1') },
  deleteFeature: { call: api => api.deleteFeature('feature-1') },
  getInstanceValues: {
    call: api => api.getInstanceValues('feature 1', 'demo-api'),
  },
  traceRoute: {
    call: api =>
      api.traceRoute('demo dev', {
        chain: ['demo-ui', 'demo-api'],
        headers: { 'X-FEATURE-NAME': 'feature-1' },
      }),
    body: {
      chain: ['demo-ui', 'demo-api'],
      headers: { 'X-FEATURE-NAME': 'feature-1' },
    },
  },
  getFeatureReachability: {
    call: api => api.getFeatureReachability('feature-1', 'demo ui'),
  },
  getEnvironmentReachability: {
    call: api =>
      api.getEnvironmentReachability('demo dev', {
        instances: ['demo-api', 'demo-orders'],
      }),
  },
  getEnvironmentCost: {
    call: api =>
      api.getEnvironmentCost('demo dev', {
        from: '2026-12-01T00:00:00.000Z',
        to: '2026-12-02T00:00:00.000Z',
      }),
  },
  getFeatureCost: { call: api => api.getFeatureCost('feature-1') },
};

/** The spec path (`/environments/{name}`) a concrete path matches. */
function findSpecPath(path: string): string | undefined {
  return Object.keys(spec.paths).find(template =>
    new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

describe('EnvironmentsClient against the OpenAPI spec', () => {
  it('has a call for every method of the client', () => {
    const methods = Object.getOwnPropertyNames(
      EnvironmentsClient.prototype,
    ).filter(m => m !== 'constructor');
    expect(methods.sort()).toEqual(Object.keys(calls).sort());
  });

  it.each(Object.entries(calls))(
    '%s calls an operation of the spec',
    async (_method, { call, body: expectedBody }) => {
      const fetch = jest.fn(
        async (_input: RequestInfo | URL, _init?: RequestInit) =>
          new Response('{}', {
            headers: { 'Content-Type': 'application/json' },
          }),
      );
      const client = new EnvironmentsClient({
        discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
        fetchApi: { fetch },
      });

      await call(client);

      expect(fetch).toHaveBeenCalledTimes(1);
      const [input, init] = fetch.mock.calls[0];
      const url = new URL(String(input));
      expect(url.href.startsWith(baseUrl)).toBe(true);
      const path = url.pathname.slice(new URL(baseUrl).pathname.length);
      const method = (init?.method ?? 'GET').toLowerCase();

      const specPath = findSpecPath(path);
      expect(specPath).toBeDefined();
      const operation = spec.paths[specPath!][method];
      expect(operation).toBeDefined();

      const queryParams = (operation.parameters ?? [])
        .filter(p => p.in === 'query')
        .map(p => p.name);
      for (const name of url.searchParams.keys()) {
        expect(queryParams).toContain(name);
      }

      // A JSON body exactly where the spec has a request body, with the fields of its schema.
      const body =
        init?.body === undefined ? undefined : JSON.parse(String(init.body));
      expect(body).toEqual(expectedBody);
      const hasBody = body !== undefined;
      const requestBody = operation.requestBody;
      expect({ hasBody, required: Boolean(requestBody?.required) }).not.toEqual(
        { hasBody: false, required: true },
      );
      expect({ hasBody, inSpec: Boolean(requestBody) }).not.toEqual({
        hasBody: true,
        inSpec: false,
      });
      const schema: Schema = requestBody?.content?.['application/json']?.schema
        ? resolveSchema(requestBody.content['application/json'].schema)
        : {};
      const bodyKeys = Object.keys(body ?? {});
      expect(Object.keys(schema.properties ?? {})).toEqual(
        expect.arrayContaining(bodyKeys),
      );
      expect(hasBody ? bodyKeys : schema.required ?? []).toEqual(
        expect.arrayContaining(schema.required ?? []),
      );
      expect(
        hasBody ? new Headers(init?.headers).get('Content-Type') : 'none',
      ).toBe(hasBody ? 'application/json' : 'none');
    },
  );

  it('encodes path parameters', async () => {
    const fetch = jest.fn(
      async (_input: RequestInfo | URL, _init?: RequestInit) =>
        new Response(null, { status: 204 }),
    );
    const client = new EnvironmentsClient({
      discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
      fetchApi: { fetch },
    });

    await client.writeSecretValues('demo', 'db credentials', { a: 'b' });

    expect(String(fetch.mock.calls[0][0])).toBe(
      `${baseUrl}/environments/demo/secrets/db%20credentials`,
    );
  });
});
