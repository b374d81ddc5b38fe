import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObject,
} from '@kubernetes/client-node';

/** An object as read back, with what orders its writes. */
export interface WrittenObject {
  ref: string;
  /** etcd's modification revision (the local cluster's resourceVersion). */
  revision: number;
  /** When the `envmesh` field manager last wrote it (seconds). */
  managedAt?: string;
}

function written(ref: string, object: KubernetesObject): WrittenObject {
  const managed = object.metadata?.managedFields?.find(
    f => f.manager === 'envmesh',
  );
  return {
    ref,
    revision: Number(object.metadata!.resourceVersion),
    managedAt: managed?.time ? new Date(managed.time).toISOString() : undefined,
  };
}

/**
 * The environment's own objects (namespace, ConfigMaps, Secrets, Gateways, Certificates) and every
 * service's `Service` and chart ConfigMaps of a namespace, as written. Nothing but envmesh writes these
 * objects after creating them (no cert-manager or Istio controller runs here), so on the local cluster their
 * resourceVersion, which is etcd's revision, orders their creation across kinds, finer than the seconds of
 * managedFields and creationTimestamp.
 */
export async function writtenObjects(kc: KubeConfig, namespace: string) {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const environment: WrittenObject[] = [
    written(
      `Namespace ${namespace}`,
      await core.readNamespace({ name: namespace }),
    ),
  ];
  const services: WrittenObject[] = [];
  const byService = (o: KubernetesObject) =>
    o.metadata?.labels?.['envmesh.io/service'];
  for (const c of (await core.listNamespacedConfigMap({ namespace })).items) {
    if (c.metadata?.name === 'kube-root-ca.crt') continue;
    (byService(c) ? services : environment).push(
      written(`ConfigMap ${c.metadata!.name}`, c),
    );
  }
  for (const s of (await core.listNamespacedSecret({ namespace })).items) {
    environment.push(written(`Secret ${s.metadata!.name}`, s));
  }
  for (const [group, version, plural, kind] of [
    ['networking.istio.io', 'v1', 'gateways', 'Gateway'],
    ['cert-manager.io', 'v1', 'certificates', 'Certificate'],
  ]) {
    const list = (await custom.listNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
    })) as { items: KubernetesObject[] };
    for (const o of list.items) {
      environment.push(written(`${kind} ${o.metadata!.name}`, o));
    }
  }
  for (const s of (await core.listNamespacedService({ namespace })).items) {
    if (byService(s)) services.push(written(`Service ${s.metadata!.name}`, s));
  }
  return { environment, services };
}

/**
 * Pairs (environment object, service object) written in the wrong order: by etcd revision, or by the seconds
 * of envmesh's managedFields entry. Empty when every environment object came first.
 */
export function writtenOutOfOrder(objects: {
  environment: WrittenObject[];
  services: WrittenObject[];
}): string[] {
  const wrong: string[] = [];
  for (const e of objects.environment) {
    for (const s of objects.services) {
      if (e.revision >= s.revision) {
        wrong.push(
          `${e.ref} (revision ${e.revision}) after ${s.ref} (revision ${s.revision})`,
        );
      }
      if (e.managedAt && s.managedAt && e.managedAt > s.managedAt) {
        wrong.push(`${e.ref} (${e.managedAt}) after ${s.ref} (${s.managedAt})`);
      }
    }
  }
  return wrong;
}

/** The operation's steps out of order: an apply of a service that started before the prepare step finished. */
export function stepsBeforePrepare(operation: {
  steps: Array<{
    name: string;
    service?: string;
    startedAt?: string;
    finishedAt?: string;
  }>;
}): string[] {
  const prepare = operation.steps.find(s => s.name.startsWith('prepare '));
  if (!prepare?.finishedAt) return ['no finished prepare step'];
  return operation.steps
    .filter(s => s.service)
    .filter(
      s =>
        !s.startedAt ||
        Date.parse(s.startedAt) < Date.parse(prepare.finishedAt!),
    )
    .map(
      s =>
        `${s.name} started ${s.startedAt} before ${prepare.name} finished ${prepare.finishedAt}`,
    );
}
