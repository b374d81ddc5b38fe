import {
  ApiException,
  HttpMethod,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  KubernetesObjectApi,
  ResponseContext,
  V1APIResource,
} from '@kubernetes/client-node';

/**
 * How fresh a LIST must be. Without it a LIST is a consistent read, which the API server answers only once its
 * watch cache has caught up with etcd (up to ~100 ms right after a write); `{ notOlderThan: rv }` is answered
 * from the watch cache as soon as it holds `rv` (`'0'`: whatever it holds).
 */
export type ListFreshness = { notOlderThan: string } | undefined;

/**
 * The watch cache as it is: at least as fresh as what an informer of this process saw, since informers are fed
 * from it. For reads of objects someone else writes (pods), where a consistent read would only add the wait.
 */
export const WATCH_CACHE: ListFreshness = { notOlderThan: '0' };

/**
 * client-node's KubernetesObjectApi that returns objects as the API server sent them (plain JSON, the same
 * shape watch events have) instead of client-node's typed models, and exposes its discovery cache.
 */
export class DynamicClient extends KubernetesObjectApi {
  static #clients = new WeakMap<KubeConfig, DynamicClient>();

  /** One client (and so one discovery cache) per KubeConfig. */
  static for(kubeConfig: KubeConfig): DynamicClient {
    let client = DynamicClient.#clients.get(kubeConfig);
    if (!client) {
      client = kubeConfig.makeApiClient(DynamicClient);
      client.setDefaultNamespace(kubeConfig);
      DynamicClient.#clients.set(kubeConfig, client);
    }
    return client;
  }

  /**
   * The API resource (plural name, namespaced) of a kind, or undefined when the API server does not serve it
   * (an unknown group/version included).
   */
  async resourceFor(
    apiVersion: string,
    kind: string,
  ): Promise<V1APIResource | undefined> {
    try {
      return await this.resource(apiVersion, kind);
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** The collection path of a kind, e.g. `/apis/apps/v1/namespaces/ns/deployments`. */
  async collectionPath(
    apiVersion: string,
    kind: string,
    namespace?: string,
  ): Promise<string> {
    const resource = await this.resourceFor(apiVersion, kind);
    if (!resource) {
      throw new Error(`the API server does not serve ${apiVersion} ${kind}`);
    }
    const parts = [this.apiVersionPath(apiVersion)];
    if (resource.namespaced && namespace) {
      parts.push('namespaces', encodeURIComponent(namespace));
    }
    parts.push(resource.name);
    return parts.join('/');
  }

  /** A LIST of a kind (one page, every item) at the given freshness. */
  async listFresh<T extends KubernetesObject = KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    options: { labelSelector?: string; freshness?: ListFreshness } = {},
  ): Promise<KubernetesListObject<T>> {
    const { labelSelector, freshness } = options;
    const path = await this.collectionPath(apiVersion, kind, namespace);
    const request = this.configuration.baseServer.makeRequestContext(
      path,
      HttpMethod.GET,
    );
    request.setHeaderParam('Accept', 'application/json');
    if (labelSelector) request.setQueryParam('labelSelector', labelSelector);
    if (freshness) {
      request.setQueryParam('resourceVersion', freshness.notOlderThan);
      if (freshness.notOlderThan !== '0') {
        request.setQueryParam('resourceVersionMatch', 'NotOlderThan');
      }
    }
    return this.requestPromise(request) as Promise<KubernetesListObject<T>>;
  }

  protected async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      const text = await response.body.text();
      return (text ? JSON.parse(text) : {}) as T;
    }
    return super.processResponse<T>(response, type);
  }
}

/** Whether an error is an API server response with this HTTP status. */
export function isApiStatus(error: unknown, code: number): boolean {
  return (
    (error instanceof ApiException && error.code === code) ||
    (typeof error === 'object' &&
      error !== null &&
      ((error as { code?: unknown }).code === code ||
        (error as { statusCode?: unknown }).statusCode === code))
  );
}

/** The API server's message of an error (the Status body's message), else the error's own message. */
export function apiErrorMessage(error: unknown): string {
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return body ? `${body} (HTTP ${error.code})` : `HTTP ${error.code}`;
      }
    }
    const message = (body as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && message) return message;
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}
