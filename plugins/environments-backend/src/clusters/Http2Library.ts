import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import type { Agent } from 'node:http';
import {
  HttpLibrary,
  IsomorphicFetchHttpLibrary,
  Observable,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node';

/** The TLS options client-node's authentication puts on a request's https.Agent. */
const TLS_OPTIONS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
] as const;

/** Connection headers HTTP/2 forbids (RFC 9113 8.2.2); `host` becomes `:authority`. */
const CONNECTION_HEADERS = new Set([
  'connection',
  'host',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** The server did not agree to HTTP/2 (ALPN). */
class NoHttp2Error extends Error {}

/**
 * Flow-control windows: HTTP/2's default of 64 KiB would make a multi-megabyte LIST wait a round trip per
 * 64 KiB on a distant cluster, where HTTP/1.1 streams it at TCP speed.
 */
const STREAM_WINDOW = 8 * 1024 * 1024;
const CONNECTION_WINDOW = 32 * 1024 * 1024;

/**
 * client-node's HttpLibrary over one HTTP/2 connection per API server and TLS identity: every request of a
 * cluster is a stream multiplexed on it, where HTTP/1.1 needs a connection (and a TLS handshake) per request
 * in flight. The TLS options (CA, client certificate, skip verify) come from the https.Agent that client-node's
 * authentication put on the request, so a rotated client certificate opens a new connection. A connection
 * that closes, errors or is told to go away is opened again on the next request. A server that does not speak
 * HTTP/2 (a proxy in front of the API server) is sent HTTP/1.1 from then on, as client-node would.
 */
export class Http2Library implements HttpLibrary {
  readonly #sessions = new Map<string, Promise<http2.ClientHttp2Session>>();
  readonly #identities = new WeakMap<object, string>();
  readonly #http1Origins = new Set<string>();
  readonly #http1 = new IsomorphicFetchHttpLibrary();

  send(request: RequestContext): Observable<ResponseContext> {
    return new Observable(this.#send(request));
  }

  /** Closes every connection (requests in flight finish first). */
  close(): void {
    for (const session of this.#sessions.values()) {
      session.then(s => s.close()).catch(() => {});
    }
    this.#sessions.clear();
  }

  async #send(request: RequestContext): Promise<ResponseContext> {
    const url = new URL(request.getUrl());
    if (this.#http1Origins.has(url.origin)) {
      return this.#http1.send(request).toPromise();
    }
    let session: http2.ClientHttp2Session;
    try {
      session = await this.#session(url.origin, request.getAgent());
    } catch (error) {
      if (!(error instanceof NoHttp2Error)) throw error;
      this.#http1Origins.add(url.origin);
      return this.#http1.send(request).toPromise();
    }
    const headers: http2.OutgoingHttpHeaders = {
      ':method': request.getHttpMethod(),
      ':path': `${url.pathname}${url.search}`,
    };
    for (const [name, value] of Object.entries(request.getHeaders())) {
      if (!CONNECTION_HEADERS.has(name.toLowerCase())) {
        headers[name.toLowerCase()] = value;
      }
    }
    const body = request.getBody();
    const sent = typeof body === 'string' ? body : undefined;
    // Node ends a DELETE's (and GET's) stream at once unless told otherwise; a DELETE may carry DeleteOptions.
    const stream = session.request(headers, {
      endStream: sent === undefined,
      signal: request.getSignal(),
    });
    if (sent !== undefined) stream.end(sent);
    const response = await new Promise<http2.IncomingHttpHeaders>(
      (resolve, reject) => {
        stream.once('response', resolve);
        stream.once('error', reject);
        // Closed without an answer (its connection went away): no error event comes.
        stream.once('close', () =>
          reject(new Error(`stream to ${url.origin} closed`)),
        );
      },
    );
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.rstCode) {
      throw new Error(`stream to ${url.origin} reset (code ${stream.rstCode})`);
    }
    const data = Buffer.concat(chunks);
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(response)) {
      if (!name.startsWith(':') && value !== undefined) {
        responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    return new ResponseContext(Number(response[':status']), responseHeaders, {
      text: async () => data.toString('utf8'),
      binary: async () => data,
    });
  }

  /** The connection of an origin and TLS identity, once connected; NoHttp2Error when the server lacks it. */
  #session(
    origin: string,
    agent: Agent | undefined,
  ): Promise<http2.ClientHttp2Session> {
    const tls = tlsOptionsOf(agent);
    const key = `${origin}|${this.#identity(agent, tls)}`;
    const known = this.#sessions.get(key);
    if (known) return known;
    const session = http2.connect(origin, {
      ...tls,
      settings: { initialWindowSize: STREAM_WINDOW },
    });
    const connected = new Promise<http2.ClientHttp2Session>(
      (resolve, reject) => {
        session.once('connect', () => {
          if (session.alpnProtocol !== 'h2') {
            session.destroy();
            reject(new NoHttp2Error());
            return;
          }
          session.setLocalWindowSize(CONNECTION_WINDOW);
          resolve(session);
        });
        // Closed before it connected (the server went away): no error event comes.
        session.once('close', () =>
          reject(new Error(`connection to ${origin} closed`)),
        );
        session.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            error.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL'
              ? new NoHttp2Error()
              : error,
          ),
        );
      },
    );
    const forget = () => {
      if (this.#sessions.get(key) === connected) this.#sessions.delete(key);
    };
    // A connection error fails the streams on it, each with the error; the next request connects again.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    // An idle connection does not keep the process alive.
    session.unref();
    this.#sessions.set(key, connected);
    return connected;
  }

  /** A digest of the TLS identity, computed once per agent (client-node's pooled agents are reused). */
  #identity(agent: Agent | undefined, tls: Record<string, unknown>): string {
    if (!agent) return '';
    let identity = this.#identities.get(agent);
    if (identity === undefined) {
      const hash = createHash('sha256');
      for (const name of TLS_OPTIONS)
        hash.update(`${name}=${String(tls[name])};`);
      identity = hash.digest('hex');
      this.#identities.set(agent, identity);
    }
    return identity;
  }
}

function tlsOptionsOf(agent: Agent | undefined): Record<string, unknown> {
  const options = (agent as { options?: Record<string, unknown> } | undefined)
    ?.options;
  const tls: Record<string, unknown> = {};
  for (const name of TLS_OPTIONS) {
    if (options?.[name] !== undefined) tls[name] = options[name];
  }
  return tls;
}
