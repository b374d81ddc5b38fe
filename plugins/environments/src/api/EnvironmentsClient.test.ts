import { ResponseError } from '@backstage/errors';
import {
  MockFetchApi,
  mockApis,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { EnvironmentsClient } from './EnvironmentsClient';

const baseUrl = 'http://backstage.test/api/environments';

describe('EnvironmentsClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const client = new EnvironmentsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
    fetchApi: new MockFetchApi({ injectIdentityAuth: { token: 'user-token' } }),
  });

  it('lists environments with the user token', async () => {
    const items = [
      {
        name: 'demo-dev',
        cluster: 'local',
        namespace: 'demo-dev',
        owner: 'group:default/platform-team',
        componentRefs: [],
        services: { total: 5, ready: 5 },
      },
    ];
    let authorization: string | null = null;
    server.use(
      http.get(`${baseUrl}/environments`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json({ items });
      }),
    );

    await expect(client.listEnvironments()).resolves.toEqual({ items });
    expect(authorization).toBe('Bearer user-token');
  });

  it('lists clusters', async () => {
    const items = [{ name: 'local', url: 'https://127.0.0.1:6443' }];
    server.use(
      http.get(`${baseUrl}/clusters`, () => HttpResponse.json({ items })),
    );

    await expect(client.listClusters()).resolves.toEqual({ items });
  });

  it('gets the status of a cluster, encoding its name', async () => {
    server.use(
      http.get(`${baseUrl}/clusters/:name/status`, ({ params }) =>
        HttpResponse.json({
          reachable: true,
          version: `v1.31 (${params.name})`,
        }),
      ),
    );

    await expect(client.getClusterStatus('eu west')).resolves.toEqual({
      reachable: true,
      version: 'v1.31 (eu west)',
    });
  });

  it('turns an error response into a ResponseError', async () => {
    server.use(
      http.get(`${baseUrl}/clusters/:name/status`, () =>
        HttpResponse.json(
          {
            error: { name: 'NotFoundError', message: 'No cluster named nope' },
            request: { method: 'GET', url: '/clusters/nope/status' },
            response: { statusCode: 404 },
          },
          { status: 404 },
        ),
      ),
    );

    const error = await client.getClusterStatus('nope').catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(404);
    expect(error.cause).toMatchObject({
      name: 'NotFoundError',
      message: 'No cluster named nope',
    });
  });

  it('turns a non-JSON error response into a ResponseError', async () => {
    server.use(
      http.get(
        `${baseUrl}/environments`,
        () => new HttpResponse('Bad gateway', { status: 502 }),
      ),
    );

    await expect(client.listEnvironments()).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 502,
    });
  });

  it('writes secret values and reads nothing back from the 204', async () => {
    let received: unknown;
    server.use(
      http.put(
        `${baseUrl}/environments/:name/secrets/:secret`,
        async ({ request, params }) => {
          received = { params, body: await request.json() };
          return new HttpResponse(null, { status: 204 });
        },
      ),
    );

    await expect(
      client.writeSecretValues('demo', 'db', { password: 's3cr3t' }),
    ).resolves.toBeUndefined();
    expect(received).toEqual({
      params: { name: 'demo', secret: 'db' },
      body: { values: { password: 's3cr3t' } },
    });
  });

  it('gets the rendered manifest as YAML text', async () => {
    server.use(
      http.get(
        `${baseUrl}/environments/demo/services/demo-api/manifest`,
        () =>
          new HttpResponse('kind: Deployment\n---\nkind: Service\n', {
            headers: { 'Content-Type': 'application/yaml' },
          }),
      ),
    );

    await expect(client.getServiceManifest('demo', 'demo-api')).resolves.toBe(
      'kind: Deployment\n---\nkind: Service\n',
    );
  });

  it('lists the revisions of one service', async () => {
    let service: string | null = null;
    server.use(
      http.get(`${baseUrl}/environments/demo/revisions`, ({ request }) => {
        service = new URL(request.url).searchParams.get('service');
        return HttpResponse.json({ items: [] });
      }),
    );

    await expect(client.listRevisions('demo', 'demo-api')).resolves.toEqual({
      items: [],
    });
    expect(service).toBe('demo-api');
  });

  it('rolls a service back to a revision', async () => {
    let body: unknown;
    server.use(
      http.post(
        `${baseUrl}/environments/demo/services/demo-api/rollback`,
        async ({ request }) => {
          body = await request.json();
          return HttpResponse.json({ id: 'op-9' }, { status: 202 });
        },
      ),
    );

    await expect(
      client.rollbackService('demo', 'demo-api', 2),
    ).resolves.toEqual({ id: 'op-9' });
    expect(body).toEqual({ revision: 2 });
  });

  it("keeps the backend's reason when a delete conflicts", async () => {
    server.use(
      http.delete(`${baseUrl}/environments/demo`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message: "environment 'demo' has an operation in progress",
            },
            request: { method: 'DELETE', url: '/environments/demo' },
            response: { statusCode: 409 },
          },
          { status: 409 },
        ),
      ),
    );

    await expect(client.deleteEnvironment('demo')).rejects.toMatchObject({
      statusCode: 409,
      body: {
        error: { message: "environment 'demo' has an operation in progress" },
      },
    });
  });
});
