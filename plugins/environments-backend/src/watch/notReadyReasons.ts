import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  V1Deployment,
  V1Pod,
} from '@kubernetes/client-node';
import { ObjectRef } from '../apply/types';
import { NamespaceCache } from './NamespaceCache';
import {
  WatchedKind,
  podProblems,
  readinessOf,
  summarizePodProblems,
} from './readiness';

/** Why each workload is not ready, read from the cache and, for one without pods, from the cluster. */
export async function explainNotReady(
  cache: NamespaceCache,
  kubeConfig: KubeConfig,
  refs: ObjectRef[],
): Promise<{ ref: ObjectRef; reason: string }[]> {
  return Promise.all(
    refs.map(async ref => ({
      ref,
      reason: await explain(cache, kubeConfig, ref),
    })),
  );
}

/** Why a workload is not ready, from the cache, plus (when it has no pods) its controller's conditions and events. */
async function explain(
  cache: NamespaceCache,
  kubeConfig: KubeConfig,
  ref: ObjectRef,
): Promise<string> {
  const kind = cache.watchedKind(ref)!;
  if (!cache.workloadsSynced) {
    return 'the namespace watch has not synced (is the cluster reachable?)';
  }
  const object = cache.get(ref);
  if (!object) return `not found in namespace ${cache.namespace}`;
  const readiness = readinessOf(kind, object);
  const parts = [readiness.failed ?? readiness.summary];
  if (kind === 'Pod') {
    parts.push(...podProblems(object as V1Pod));
    return parts.join('; ');
  }
  const pods = cache.podsOf(ref).filter(p => !p.metadata?.deletionTimestamp);
  if (pods.length) {
    parts.push(...summarizePodProblems(pods));
  } else {
    parts.push(
      ...(await noPodsReasons(cache.namespace, kubeConfig, kind, object)),
    );
  }
  return parts.join('; ');
}

/**
 * Why a workload has no pods: the Deployment's and its newest ReplicaSet's failure conditions, else the
 * Warning events of the workload (and ReplicaSet), e.g. FailedCreate from a quota or admission webhook.
 */
async function noPodsReasons(
  namespace: string,
  kubeConfig: KubeConfig,
  kind: WatchedKind,
  object: KubernetesObject,
): Promise<string[]> {
  const reasons: string[] = [];
  const uids = [object.metadata?.uid];
  try {
    if (kind === 'Deployment') {
      const deployment = object as V1Deployment;
      for (const c of deployment.status?.conditions ?? []) {
        if (
          (c.type === 'ReplicaFailure' && c.status === 'True') ||
          (c.type === 'Progressing' && c.status === 'False')
        ) {
          reasons.push(`${c.type}: ${c.message ?? c.reason}`);
        }
      }
      const apps = kubeConfig.makeApiClient(AppsV1Api);
      const sets = (
        await apps.listNamespacedReplicaSet({ namespace: namespace })
      ).items.filter(rs =>
        rs.metadata?.ownerReferences?.some(
          o => o.uid === deployment.metadata?.uid,
        ),
      );
      const revision = (rs: {
        metadata?: { annotations?: Record<string, string> };
      }) =>
        Number(
          rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0,
        );
      const newest = sets.sort((a, b) => revision(b) - revision(a))[0];
      if (newest) {
        uids.push(newest.metadata?.uid);
        for (const c of newest.status?.conditions ?? []) {
          if (c.type === 'ReplicaFailure' && c.status === 'True') {
            reasons.push(
              `ReplicaSet ${newest.metadata?.name}: ${c.message ?? c.reason}`,
            );
          }
        }
      }
    }
    if (!reasons.length) {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      for (const uid of uids.filter(Boolean)) {
        const events = await core.listNamespacedEvent({
          namespace,
          fieldSelector: `involvedObject.uid=${uid},type=Warning`,
        });
        const time = (e: { lastTimestamp?: Date; eventTime?: Date }) =>
          new Date(e.lastTimestamp ?? e.eventTime ?? 0).getTime();
        const latest = events.items.sort((a, b) => time(a) - time(b)).slice(-3);
        for (const event of latest) {
          reasons.push(
            `${event.involvedObject.kind} ${event.involvedObject.name}: ${event.reason}: ${event.message}`,
          );
        }
      }
    }
  } catch (error) {
    reasons.push(
      `(could not read more details: ${(error as Error)?.message ?? error})`,
    );
  }
  if (!reasons.length) reasons.push('no pods created yet');
  return reasons;
}
