import { KubernetesObject } from '@kubernetes/client-node';
import { ObjectRef } from '../../apply/types';

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
