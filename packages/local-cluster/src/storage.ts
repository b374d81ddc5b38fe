import fs from 'node:fs';
import path from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  StorageV1Api,
  V1PersistentVolumeClaim,
} from '@kubernetes/client-node';

/** The default StorageClass of the local cluster, and the provisioner name its claims are bound by. */
export const LOCAL_STORAGE_CLASS = 'standard';
const PROVISIONER = 'envmesh.io/local-path';
const POLL_MS = 1000;

/**
 * A default StorageClass and a provisioner for it, as kind's local-path provisioner gives a kind cluster: a
 * claim of the class gets a hostPath PersistentVolume under the cluster's folder, bound to it, so that a
 * StatefulSet's volumeClaimTemplates schedule; a volume whose claim is gone is deleted. It polls (the local
 * cluster has a few claims at most) from the process that started the cluster; stop() ends it.
 */
export async function startLocalStorage(
  kubeConfig: KubeConfig,
  dir: string,
): Promise<{ stop(): void }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await kubeConfig.makeApiClient(StorageV1Api).createStorageClass({
    body: {
      metadata: {
        name: LOCAL_STORAGE_CLASS,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: PROVISIONER,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    },
  });
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    reconcile(core, path.join(dir, 'volumes'))
      .catch(() => undefined) // the next poll tries again; the API server may be stopping
      .finally(() => {
        running = false;
      });
  }, POLL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function reconcile(core: CoreV1Api, root: string) {
  const claims = await core.listPersistentVolumeClaimForAllNamespaces();
  const volumes = await core.listPersistentVolume();
  const provisioned = volumes.items.filter(
    v =>
      v.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] ===
      PROVISIONER,
  );
  const byClaim = new Set(provisioned.map(v => v.spec?.claimRef?.uid));
  for (const claim of claims.items) {
    if (
      claim.status?.phase === 'Pending' &&
      claim.spec?.storageClassName === LOCAL_STORAGE_CLASS &&
      !byClaim.has(claim.metadata?.uid)
    ) {
      await core.createPersistentVolume({ body: volumeFor(claim, root) });
    }
  }
  for (const volume of provisioned) {
    if (
      volume.status?.phase === 'Released' ||
      volume.status?.phase === 'Failed'
    ) {
      await core.deletePersistentVolume({ name: volume.metadata!.name! });
      fs.rmSync(volume.spec!.hostPath!.path, { recursive: true, force: true });
    }
  }
}

function volumeFor(claim: V1PersistentVolumeClaim, root: string) {
  const uid = claim.metadata!.uid!;
  const hostPath = path.join(root, uid);
  fs.mkdirSync(hostPath, { recursive: true });
  return {
    metadata: {
      name: `pvc-${uid}`,
      annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER },
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      storageClassName: LOCAL_STORAGE_CLASS,
      persistentVolumeReclaimPolicy: 'Delete',
      hostPath: { path: hostPath },
      claimRef: {
        namespace: claim.metadata!.namespace,
        name: claim.metadata!.name,
        uid,
      },
    },
  };
}
