import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { localClusterConfig } from './integration';

/**
 * What `kubectl proxy` does: plain HTTP/1.1 on the loopback (HTTPS with `tls`), each request sent on to the
 * local cluster's API server with the proxy's own credentials. `onRequest` hears each request's method and URL
 * (path and query).
 */
export async function startKubectlProxy(
  options: {
    onRequest?: (method: string, url: string) => void;
    tls?: { cert: Buffer; key: Buffer };
  } = {},
): Promise<{ url: string; close: () => void }> {
  const { url, serviceAccountToken } = localClusterConfig();
  const apiServer = new URL(url);
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  const handle: http.RequestListener = (req, res) => {
    options.onRequest?.(req.method ?? '', req.url ?? '');
    const upstream = https.request(
      {
        host: apiServer.hostname,
        port: apiServer.port,
        method: req.method,
        path: req.url,
        agent,
        headers: {
          ...req.headers,
          host: apiServer.host,
          authorization: `Bearer ${serviceAccountToken}`,
        },
      },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // A watch sends no body until its first event; its caller waits for the headers.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', error => res.destroy(error));
    req.pipe(upstream);
  };
  const server = options.tls
    ? https.createServer(options.tls, handle)
    : http.createServer(handle);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${
      (server.address() as AddressInfo).port
    }`,
    close: () => {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

/** A client config for a server that needs no credentials of the client (a kubectl proxy, or none at all). */
export function kubeConfigWithoutCredentials(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'proxy', server, skipTLSVerify: true }],
    users: [{ name: 'proxy' }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
    currentContext: 'proxy',
  });
  return kubeConfig;
}
