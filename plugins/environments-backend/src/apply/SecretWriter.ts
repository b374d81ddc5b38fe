import { CoreV1Api, KubeConfig, V1Secret } from '@kubernetes/client-node';
import { InputError } from '@backstage/errors';
import type {
  DiffEntry,
  SecretSpec,
} from '@envmesh/plugin-environments-common';

function isNotFound(error: unknown): boolean {
  return (error as { code?: number })?.code === 404;
}

const labels = (environment: string) => ({
  'app.kubernetes.io/managed-by': 'envmesh',
  'envmesh.io/environment': environment,
});

/**
 * Writes the Secrets of an environment's config. Secret values go from the request straight to the cluster
 * (or from one namespace to another when an environment is copied); they are never stored, logged or
 * returned, and only key names are kept in the store.
 */
export class SecretWriter {
  /**
   * Writes the given values into a Secret, merged over the keys it already has. Every value must belong to a
   * key the spec declares.
   */
  static async write(options: {
    kubeConfig: KubeConfig;
    namespace: string;
    environment: string;
    secret: SecretSpec;
    values: Record<string, string>;
  }): Promise<void> {
    const { kubeConfig, namespace, environment, secret, values } = options;
    for (const key of Object.keys(values)) {
      if (!secret.keys.includes(key)) {
        throw new InputError(
          `secrets.${secret.name}.${key}: not a key of secret '${
            secret.name
          }' (keys: ${secret.keys.join(', ')})`,
        );
      }
    }
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const encoded = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [
        k,
        Buffer.from(v, 'utf8').toString('base64'),
      ]),
    );
    let existing: V1Secret | undefined;
    try {
      existing = await core.readNamespacedSecret({
        name: secret.name,
        namespace,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secret.name,
        namespace,
        labels: { ...existing?.metadata?.labels, ...labels(environment) },
        ...(existing
          ? { resourceVersion: existing.metadata?.resourceVersion }
          : {}),
      },
      type: secret.type ?? existing?.type ?? 'Opaque',
      data: { ...existing?.data, ...encoded },
    };
    if (existing) {
      await core.replaceNamespacedSecret({
        name: secret.name,
        namespace,
        body,
      });
    } else {
      await core.createNamespacedSecret({ namespace, body });
    }
  }

  /** Copies a Secret between namespaces (and clusters) without its data leaving the cluster clients. */
  static async copy(options: {
    from: { kubeConfig: KubeConfig; namespace: string };
    to: { kubeConfig: KubeConfig; namespace: string; environment: string };
    name: string;
  }): Promise<boolean> {
    const source = options.from.kubeConfig.makeApiClient(CoreV1Api);
    const target = options.to.kubeConfig.makeApiClient(CoreV1Api);
    let secret: V1Secret;
    try {
      secret = await source.readNamespacedSecret({
        name: options.name,
        namespace: options.from.namespace,
      });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: options.name,
        namespace: options.to.namespace,
        labels: {
          ...secret.metadata?.labels,
          ...labels(options.to.environment),
        },
      },
      type: secret.type,
      data: secret.data,
    };
    try {
      await target.createNamespacedSecret({
        namespace: options.to.namespace,
        body,
      });
    } catch (error) {
      if ((error as { code?: number })?.code !== 409) throw error;
      await target.replaceNamespacedSecret({
        name: options.name,
        namespace: options.to.namespace,
        body,
      });
    }
    return true;
  }

  /**
   * What writing these keys and keeping only the declared Secrets would change, by Secret and key name only:
   * `create` or `update` (`data.<key>` per written key) for a write, `delete` for a Secret no longer declared.
   */
  static async diff(options: {
    kubeConfig: KubeConfig;
    namespace: string;
    environment: string;
    declared: string[];
    /** The key names written per Secret. */
    writes: Map<string, string[]>;
  }): Promise<DiffEntry[]> {
    const existing = await SecretWriter.#environmentSecrets(options);
    const ref = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: options.namespace,
      name,
    });
    const entries: DiffEntry[] = [];
    for (const [name, keys] of options.writes) {
      entries.push({
        ref: ref(name),
        action: existing.includes(name) ? 'update' : 'create',
        changes: keys.map(key => `data.${key}`).sort(),
      });
    }
    for (const name of existing) {
      if (!options.declared.includes(name)) {
        entries.push({ ref: ref(name), action: 'delete' });
      }
    }
    return entries;
  }

  /** The names of the environment's own Secrets (not those a service chart renders). */
  static async #environmentSecrets(options: {
    kubeConfig: KubeConfig;
    namespace: string;
    environment: string;
  }): Promise<string[]> {
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedSecret({
      namespace: options.namespace,
      labelSelector: `app.kubernetes.io/managed-by=envmesh,envmesh.io/environment=${options.environment}`,
    });
    // Secrets rendered by a service chart carry the service label and belong to that release.
    return list.items
      .filter(secret => !secret.metadata?.labels?.['envmesh.io/service'])
      .map(secret => secret.metadata!.name!);
  }

  /**
   * Deletes the environment's Secrets that its config no longer declares; returns those deleted and the
   * declared ones that exist.
   */
  static async prune(options: {
    kubeConfig: KubeConfig;
    namespace: string;
    environment: string;
    keep: string[];
  }): Promise<{ removed: string[]; kept: string[] }> {
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const removed: string[] = [];
    const kept: string[] = [];
    for (const name of await SecretWriter.#environmentSecrets(options)) {
      if (options.keep.includes(name)) {
        kept.push(name);
        continue;
      }
      await core.deleteNamespacedSecret({ name, namespace: options.namespace });
      removed.push(name);
    }
    return { removed, kept };
  }
}
