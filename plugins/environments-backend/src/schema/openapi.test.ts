import fs from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import yaml from 'js-yaml';
import request from 'supertest';
import type { ClusterRegistry } from '../clusters/ClusterRegistry';
import type { FeatureCommands } from '../commands/FeatureCommands';
import type { RouteTracer } from '../queries/RouteTracer';
import { environmentsPlugin } from '../plugin';
import { createRouter } from '../router/createRouter';
import type { RouterOptions } from '../router/createRouter';
import { createWebhookRouter } from '../webhooks';
import { spec } from './openapi/generated';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
/** Served by createValidatedOpenApiRouter itself, not by src/router. */
const LIBRARY_ROUTES = ['GET /openapi.json'];

/** `METHOD /path/:param` for every operation of the spec. */
function specRoutes(): string[] {
  return Object.entries(spec.paths).flatMap(([template, item]) =>
    Object.keys(item)
      .filter(method => METHODS.includes(method))
      .map(
        method =>
          `${method.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`,
      ),
  );
}

describe('the OpenAPI spec', () => {
  const file = path.join(__dirname, 'openapi.yaml');

  it('is valid OpenAPI 3.0', async () => {
    const document = yaml.load(fs.readFileSync(file, 'utf8')) as {
      openapi: string;
    };
    expect(document.openapi).toMatch(/^3\.0\./);
    await expect(SwaggerParser.validate(document as any)).resolves.toEqual(
      expect.objectContaining({ openapi: document.openapi }),
    );
  });

  it('never describes secret values in a response', () => {
    const { SecretSpec } = spec.components.schemas;
    expect(Object.keys(SecretSpec.properties).sort()).toEqual([
      'keys',
      'name',
      'type',
    ]);
    expect(SecretSpec.additionalProperties).toBe(false);
    const responses = JSON.stringify(
      Object.values(spec.paths).flatMap(item =>
        Object.values(item).map(operation => operation.responses),
      ),
    );
    expect(responses).not.toContain('SecretInput');
    expect(responses).not.toContain('SecretValuesRequest');
  });
});

describe('the router and the spec', () => {
  it('declare the same routes', async () => {
    const router = await createRouter({
      clusters: {} as ClusterRegistry,
      commands: {} as RouterOptions['commands'],
      queries: {} as RouterOptions['queries'],
      registry: {} as RouterOptions['registry'],
      reader: {} as RouterOptions['reader'],
      status: {} as RouterOptions['status'],
      differ: {} as RouterOptions['differ'],
      exporter: {} as RouterOptions['exporter'],
      reachability: {} as RouterOptions['reachability'],
      lifecycleReader: {} as RouterOptions['lifecycleReader'],
      operations: {} as RouterOptions['operations'],
      features: {} as FeatureCommands,
      tracer: {} as RouteTracer,
      costs: {} as RouterOptions['costs'],
      featureNameFromBranch: () => undefined,
      webhooks: createWebhookRouter({
        secretsFor: () => undefined,
        recordDelivery: async () => true,
        onPush: async () => ({ status: 'ignored' }),
        logger: mockServices.logger.mock(),
      }),
      httpAuth: mockServices.httpAuth(),
    });
    // The webhooks sit in a router of their own in front of the typed one: walk nested routers too.
    type Layer = {
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: Layer[] };
    };
    const routesOf = (stack: Layer[]): string[] =>
      stack.flatMap(layer => {
        if (layer.route) {
          return Object.keys(layer.route.methods).map(
            method => `${method.toUpperCase()} ${layer.route!.path}`,
          );
        }
        return layer.handle?.stack ? routesOf(layer.handle.stack) : [];
      });
    const registered = routesOf(router.stack as Layer[]);
    expect(registered.filter(r => !LIBRARY_ROUTES.includes(r)).sort()).toEqual(
      specRoutes().sort(),
    );
  });

  describe('in a running backend', () => {
    let server: Parameters<typeof request>[0];
    let stop: () => Promise<void>;

    beforeAll(async () => {
      const backend = await startTestBackend({
        features: [
          environmentsPlugin,
          mockServices.rootConfig.factory({
            data: {
              app: { baseUrl: 'http://localhost:3000' },
              kubernetes: { clusterLocatorMethods: [] },
            },
          }),
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    });
    afterAll(async () => {
      await stop();
    });

    const samples: Record<string, string> = {
      name: 'no-such-environment',
      service: 'no-such-service',
      secret: 'no-such-secret',
      id: 'no-such-operation',
    };

    it('tells an unknown route and an undeclared method from an unknown environment', async () => {
      const route = await request(server).get(
        '/api/environments/no/such/route',
      );
      expect(route.status).toBe(404);
      expect(route.body.error.message).toBe('no route GET /no/such/route');
      const method = await request(server).put('/api/environments/clusters');
      expect(method.status).toBe(405);
      expect(method.headers.allow).toBe('GET');
      expect(method.body.error.message).toBe(
        'PUT is not allowed on /clusters; it allows GET',
      );
      const environment = await request(server).get(
        '/api/environments/environments/no-such-environment',
      );
      expect(environment.status).toBe(404);
      expect(environment.body.error.name).toBe('NotFoundError');
    });

    it.each(specRoutes())('serves %s', async route => {
      const [method, template] = route.split(' ');
      const url = template.replace(/:(\w+)/g, (_, param) => samples[param]);
      let call = request(server)[
        method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'
      ](`/api/environments${url}`);
      if (['POST', 'PUT', 'PATCH'].includes(method)) call = call.send({});
      const res = await call;
      // Answered by its handler (a 404 from the engine is a JSON NotFoundError), never the empty fall-through 404
      // of a route that is not registered.
      expect({ status: res.status, error: res.body?.error?.name }).not.toEqual({
        status: 404,
        error: undefined,
      });
      expect(res.status).toBeLessThan(500);
    });

    it('validates query parameters against the spec', async () => {
      const after = await request(server).get(
        '/api/environments/operations/x/logs?after=abc',
      );
      expect(after.status).toBe(400);
      expect(after.body.error.message).toContain('after');
      const unknown = await request(server).get(
        '/api/environments/environments?color=blue',
      );
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('color');
    });

    it('leaves request bodies to the engine, whose 400 names the field', async () => {
      const base = {
        name: 'spec-check',
        cluster: 'local',
        owner: 'group:default/platform-team',
      };
      for (const [body, reason] of [
        [{ ...base, name: 'Bad_Name' }, 'name: '],
        [{ ...base, globalValues: ['a'] }, 'globalValues: '],
        [
          { ...base, resources: { gateways: [{ name: 'g', hosts: [] }] } },
          'resources.gateways.0.hosts: ',
        ],
        [{ ...base, owner: undefined }, 'owner: '],
        [undefined, 'name: '],
      ] as const) {
        const res = await request(server)
          .post('/api/environments/environments')
          .send(body);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(new RegExp(`^${reason}`));
      }
    });

    it('takes request bodies as JSON only', async () => {
      const res = await request(server)
        .post('/api/environments/environments')
        .set('content-type', 'text/plain')
        .send('name=x');
      expect(res.status).toBe(415);
      expect(res.body.error.message).toBe(
        'Content-Type: unsupported media type text/plain; send application/json',
      );
      const notJson = await request(server)
        .post('/api/environments/environments')
        .set('content-type', 'application/json')
        .send('"a string"');
      expect(notJson.status).toBe(400);
      expect(notJson.body.error.message).toMatch(/^body: not valid JSON/);
    });

    it('serves the spec', async () => {
      const res = await request(server).get('/api/environments/openapi.json');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.paths).sort()).toEqual(
        Object.keys(spec.paths)
          .map(p => `/api/environments${p}`)
          .sort(),
      );
    });
  });
});
