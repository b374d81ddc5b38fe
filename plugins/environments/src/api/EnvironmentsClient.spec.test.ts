// This test runs in Node, so it reads the backend's spec from disk.
// eslint-disable-next-line no-restricted-imports
import { readFileSync } from 'fs';
// eslint-disable-next-line no-restricted-imports
import { resolve } from 'path';
// js-yaml is not declared by this package yet; it is hoisted to the repo root by the backend plugin.
import { load } from 'js-yaml';
import { mockApis } from '@backstage/test-utils';
import { EnvironmentsApi } from './EnvironmentsApi';
import { EnvironmentsClient } from './EnvironmentsClient';

type Spec = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name?: string; in?: string }>;
        requestBody?: unknown;
      }
    >
  >;
};

const spec = load(
  readFileSync(
    resolve(__dirname, '../../../environments-backend/src/schema/openapi.yaml'),
    'utf8',
  ),
) as Spec;

const baseUrl = 'http://backstage.test/api/environments';

/** One call of every client method, with arguments that need encoding. */
const calls: Record<keyof EnvironmentsApi, (api: EnvironmentsApi) => unknown> =
  {
    listEnvironments: api => api.listEnvironments(),
    listClusters: api => api.listClusters(),
    getClusterStatus: api => api.getClusterStatus('eu west'),
    getEnvironment: api => api.getEnvironment('demo'),
    getStatus: api => api.getStatus('demo'),
    listOperations: api => api.listOperations('demo'),
    getOperation: api => api.getOperation('op/1'),
    getOperationLogs: api => api.getOperationLogs('op-1', 7),
    getServiceValues: api => api.getServiceValues('demo', 'demo-api'),
    diffEnvironment: api =>
      api.diffEnvironment('demo', { globalValues: { a: 1 } }),
    updateEnvironment: api =>
      api.updateEnvironment('demo', { globalValues: { a: 1 } }),
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
    async (_method, call) => {
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
      // A JSON body exactly where the spec has a request body.
      const body =
        init?.body === undefined ? undefined : JSON.parse(String(init.body));
      expect(body).toEqual(
        operation.requestBody ? { globalValues: { a: 1 } } : undefined,
      );
    },
  );
});
