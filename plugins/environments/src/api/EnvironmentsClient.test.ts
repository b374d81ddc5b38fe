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
});
