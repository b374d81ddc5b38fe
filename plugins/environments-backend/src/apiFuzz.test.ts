import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  ApiCall,
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';

jest.setTimeout(900_000);

const specPath = path.resolve(__dirname, 'schema/openapi.yaml');
const examples = path.resolve(__dirname, '../../../examples');
/** scripts/bootstrap.sh installs it (make test); the same place by default. */
const schemathesis =
  process.env.ENVMESH_SCHEMATHESIS ??
  path.join(
    process.env.ENVMESH_CACHE ?? path.join(os.homedir(), '.cache/envmesh'),
    'schemathesis/4.32.5/bin/st',
  );

/** The spec's paths as patterns, to count the routes a run reached. */
function routeOf(method: string, url: string): string | undefined {
  const spec = yaml.load(fs.readFileSync(specPath, 'utf8')) as any;
  const pathname = decodeURIComponent(url.split('?')[0]).replace(
    /^\/api\/environments/,
    '',
  );
  const route = Object.keys(spec.paths).find(p =>
    new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname),
  );
  return route && `${method} ${route}`;
}

interface Exchange {
  route: string;
  method: string;
  url: string;
  requestBody: string;
  status: number;
  body: string;
}

/** A proxy in front of the backend that keeps each exchange's route, status and (for 4xx and 5xx) body. */
async function recordingProxy(target: number, exchanges: Exchange[]) {
  const server = http.createServer((req, res) => {
    const requestChunks: Buffer[] = [];
    req.on('data', chunk => requestChunks.push(chunk));
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      answer => {
        const chunks: Buffer[] = [];
        answer.on('data', chunk => chunks.push(chunk));
        answer.on('end', () => {
          const status = answer.statusCode ?? 0;
          exchanges.push({
            route: routeOf(req.method!, req.url!) ?? `${req.method} (no route)`,
            method: req.method!,
            url: req.url!,
            requestBody: Buffer.concat(requestChunks).toString(),
            status,
            body: status >= 400 ? Buffer.concat(chunks).toString() : '',
          });
          res.writeHead(status, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    upstream.on('error', error => {
      res.writeHead(599);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** An answer without the fields that change by themselves. */
function withoutTimes({
  updatedAt,
  lastOperation,
  lastActivityAt,
  next,
  ...rest
}: any) {
  return rest;
}

/** Whether a 4xx answer says what was wrong with which part of the request. */
function namesTheProblem(exchange: Exchange): boolean {
  let message = '';
  try {
    message = JSON.parse(exchange.body)?.error?.message ?? '';
  } catch {
    return false;
  }
  if (exchange.status === 400) {
    // A field (`services.0.name: …`, `values.<any key>: …`, the validator's `request/body/name …`) or the
    // parameter (the validator's "Parameter 'after' must be …").
    return /^[\w-]+[.[:]|request\/(body|query|params|headers)|\b(body|field|parameter)\b/i.test(
      message,
    );
  }
  return message.length > 0;
}

/**
 * The whole API under schemathesis (issue 14, item 7): generated valid and invalid requests for every operation
 * of the served spec. No answer is a 5xx, every 4xx says what was wrong, and a refused request changes nothing.
 */
describe('the API under property-based testing', () => {
  let call: ApiCall;
  let stop: () => Promise<void>;
  let port: number;

  beforeAll(async () => {
    if (!fs.existsSync(schemathesis)) {
      throw new Error(
        `schemathesis is not installed at ${schemathesis}: scripts/bootstrap.sh installs it (make test)`,
      );
    }
    ({ call, port, stop } = await startImportedBackend(examples, {
      rollout: { readyTimeoutSeconds: 60 },
    }));
    const created = await call('post', '/environments', {
      name: 'fuzz-base',
      cluster: 'local',
      owner: 'group:default/platform-team',
      services: [{ name: 'config-service' }],
    });
    await waitForOperation(call, created.body.id);
  });

  afterAll(async () => {
    // Whatever the run created that was valid.
    const { body } = await call('get', '/environments');
    for (const env of body?.items ?? []) {
      await call('delete', `/environments/${env.name}?cascade=true`);
    }
    await stop?.();
  });

  it('answers every generated request without a 5xx, names the problem of every 4xx and changes nothing it refused', async () => {
    const exchanges: Exchange[] = [];
    const proxy = await recordingProxy(port, exchanges);
    const proxyPort = (proxy.address() as { port: number }).port;
    const report = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-fuzz-')),
      'junit.xml',
    );
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        schemathesis,
        [
          'run',
          specPath,
          '--url',
          `http://127.0.0.1:${proxyPort}/api/environments`,
          '--header',
          'Authorization: Bearer mock-user-token',
          '--checks',
          'not_a_server_error',
          // Not the stateful phase: it takes names from answers and would change the seeded environment with
          // requests that are accepted, where this run proves that refused ones change nothing.
          '--phases',
          'examples,coverage,fuzzing',
          '--max-examples',
          '8',
          '--seed',
          '20261204',
          '--workers',
          '1',
          '--request-timeout',
          '30',
          '--report',
          'junit',
          '--report-junit-path',
          report,
        ],
        {
          // Its cache folder goes beside the report, not into the checkout.
          cwd: path.dirname(report),
          env: {
            ...process.env,
            NO_COLOR: '1',
            SCHEMATHESIS_TELEMETRY: 'false',
          },
        },
      );
      let text = '';
      child.stdout.on('data', chunk => (text += chunk));
      child.stderr.on('data', chunk => (text += chunk));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    await new Promise(resolve => proxy.close(resolve));

    const spec = yaml.load(fs.readFileSync(specPath, 'utf8')) as any;
    const operations = Object.entries(spec.paths).flatMap(([p, item]) =>
      Object.keys(item as object).map(m => `${m.toUpperCase()} ${p}`),
    );
    const reached = new Set(exchanges.map(e => e.route));
    const routes = operations.filter(o => reached.has(o));
    const count = (test: (e: Exchange) => boolean) =>
      exchanges.filter(test).length;
    const serverErrors = exchanges.filter(e => e.status >= 500);
    const unnamed = exchanges.filter(
      e => e.status >= 400 && e.status < 500 && !namesTheProblem(e),
    );
    // The counts, in the test output of make test.
    process.stdout.write(
      `schemathesis: ${exchanges.length} requests, ${routes.length} of ${
        operations.length
      } operations, ${count(e => e.status < 400)} 2xx/3xx, ${count(
        e => e.status >= 400 && e.status < 500,
      )} 4xx, ${serverErrors.length} 5xx\n`,
    );
    expect({
      serverErrors: serverErrors.map(e => `${e.route} ${e.status} ${e.body}`),
      unnamed: unnamed.map(e => `${e.route} ${e.status} ${e.body}`),
    }).toEqual({ serverErrors: [], unnamed: [] });
    expect(output).not.toMatch(/Server error|5\d\d Internal/);
    // A run that reached little proves little: every operation of the spec, several times.
    expect(operations.filter(o => !reached.has(o))).toEqual([]);
    expect(exchanges.length).toBeGreaterThan(operations.length * 5);

    // Bad input changes nothing: every mutation the run got a 400 for, sent again to a fresh environment
    // (the run's own accepted requests changed fuzz-base as they may), is refused again and changes nothing.
    const guard = await call('post', '/environments', {
      name: 'fuzz-guard',
      cluster: 'local',
      owner: 'group:default/platform-team',
      services: [{ name: 'config-service' }],
    });
    await waitForOperation(call, guard.body.id);
    const state = async () => ({
      environments: (await call('get', '/environments')).body.items.map(
        (e: any) => e.name,
      ),
      features: (await call('get', '/features')).body.items.map(
        (f: any) => f.name,
      ),
      guard: withoutTimes((await call('get', '/environments/fuzz-guard')).body),
      lifecycle: withoutTimes(
        (await call('get', '/environments/fuzz-guard/lifecycle')).body,
      ),
    });
    const before = await state();
    const refused = exchanges.filter(
      e => e.status === 400 && !['GET', 'OPTIONS', 'HEAD'].includes(e.method),
    );
    const replayed: number[] = [];
    for (const exchange of refused) {
      const res = await fetch(
        `http://127.0.0.1:${port}${exchange.url.replace(
          '/environments/fuzz-base',
          '/environments/fuzz-guard',
        )}`,
        {
          method: exchange.method,
          headers: {
            Authorization: 'Bearer mock-user-token',
            'Content-Type': 'application/json',
          },
          body: exchange.requestBody || undefined,
        },
      );
      replayed.push(res.status);
    }
    expect(refused.length).toBeGreaterThan(100);
    expect(replayed.filter(status => status < 400)).toEqual([]);
    expect(await state()).toEqual(before);
  });
});
