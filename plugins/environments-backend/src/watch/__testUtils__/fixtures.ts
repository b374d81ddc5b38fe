import { KubernetesObject } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@envmesh/local-cluster';
import { ReleaseApplier } from '../../apply/ReleaseApplier';
import { RecordedObject, ObjectRef } from '../../apply/types';
import { NamespaceWatcher } from '../NamespaceWatcher';

/**
 * For a describe block: a fresh test namespace on the local cluster, watched by a started NamespaceWatcher
 * (both gone after the block); apply() applies a release into it.
 */
export function watchedTestNamespace(prefix: string) {
  const kubeConfig = testKubeConfig();
  const applier = new ReleaseApplier();
  let namespace: { name: string; delete(): Promise<void> } | undefined;
  let watcher: NamespaceWatcher | undefined;
  beforeAll(async () => {
    namespace = await createTestNamespace(prefix, kubeConfig);
    watcher = new NamespaceWatcher({ kubeConfig, namespace: namespace.name });
    await watcher.start();
  });
  afterAll(async () => {
    await watcher?.stop();
    await namespace?.delete();
  });
  return {
    get name(): string {
      return namespace!.name;
    },
    get watcher(): NamespaceWatcher {
      return watcher!;
    },
    apply: (
      release: string,
      objects: KubernetesObject[],
      previousInventory: RecordedObject[] = [],
    ) =>
      applier.apply({
        kubeConfig,
        namespace: namespace!.name,
        environment: 'dev-1',
        release,
        objects,
        previousInventory,
      }),
  };
}

/** A Deployment whose pods run on the local cluster's kwok nodes (the image is never pulled). */
export function deployment(
  name: string,
  options: { replicas?: number; podSpec?: object; image?: string } = {},
): KubernetesObject {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'main',
              image: options.image ?? `example.invalid/${name}:1.0`,
            },
          ],
          ...options.podSpec,
        },
      },
    },
  } as KubernetesObject;
}

export const ref = (
  kind: string,
  name: string,
  apiVersion = 'apps/v1',
): ObjectRef => ({
  apiVersion,
  kind,
  name,
});

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    error => error,
  );
}
