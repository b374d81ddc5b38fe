import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/**
 * A stand-in for a GitHub host on 127.0.0.1, for running the stock `publish:github` action offline: the two REST
 * calls it makes to create a repository (the owner's type, then the repository of the authenticated user),
 * answered with a bare repository on disk, and that repository served over Git's smart HTTP by
 * `git http-backend`, so that the action's own push (isomorphic-git) lands in it. The only mocked part is the
 * Git host's API; the push and the repository are real.
 */
export interface LocalGitHost {
  /** `127.0.0.1:<port>`: the host of the GitHub integration to configure. */
  host: string;
  /** The integration's `apiBaseUrl`. */
  apiBaseUrl: string;
  /** The bare repository a repository name was created as. */
  repositoryPath(name: string): string;
  stop(): Promise<void>;
}

export async function startLocalGitHost(): Promise<LocalGitHost> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-git-host-'));
  const repositoryPath = (name: string) => path.join(root, `${name}.git`);
  let base = '';

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const user = url.pathname.match(/^\/api\/users\/([^/]+)$/);
    if (req.method === 'GET' && user) {
      json(res, 200, { login: user[1], type: 'User' });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/user/repos') {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        const { name } = JSON.parse(body) as { name: string };
        execFileSync('git', ['init', '--bare', '-q', repositoryPath(name)]);
        execFileSync('git', ['config', 'http.receivepack', 'true'], {
          cwd: repositoryPath(name),
        });
        json(res, 201, {
          name,
          clone_url: `${base}/git/${name}.git`,
          html_url: `${base}/${name}`,
        });
      });
      return;
    }
    if (url.pathname.startsWith('/git/')) {
      serveGit(req, res, root, url);
      return;
    }
    json(res, 404, {
      message: `not served here: ${req.method} ${url.pathname}`,
    });
  });

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    apiBaseUrl: `${base}/api`,
    repositoryPath,
    stop: async () => {
      await new Promise(resolve => server.close(resolve));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** One request of Git's smart HTTP protocol, through `git http-backend` as a CGI program. */
function serveGit(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  root: string,
  url: URL,
) {
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: 'envmesh-test',
      REQUEST_METHOD: req.method,
      PATH_INFO: decodeURIComponent(url.pathname.slice('/git'.length)),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
    },
  });
  req.pipe(backend.stdin);
  const chunks: Buffer[] = [];
  backend.stdout.on('data', chunk => chunks.push(chunk));
  backend.on('close', () => {
    const output = Buffer.concat(chunks);
    const end = output.indexOf('\r\n\r\n');
    const headers = output.subarray(0, end).toString().split('\r\n');
    let status = 200;
    for (const line of headers) {
      const [name, ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.end(output.subarray(end + 4));
  });
}
