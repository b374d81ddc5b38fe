import {
  KubernetesObject,
  V1Deployment,
  V1Job,
  V1LabelSelector,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';

/** The kinds whose readiness is observed; every other kind counts as ready once applied. */
export const WATCHED_WORKLOADS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'v1', kind: 'Pod' },
] as const;

export type WatchedKind = (typeof WATCHED_WORKLOADS)[number]['kind'];

export interface Readiness {
  ready: boolean;
  /** Set when the workload can no longer become ready (a failed Job). */
  failed?: string;
  /** Progress in words, e.g. `1/2 available, 2/2 updated`. */
  summary: string;
}

function condition(
  object: { status?: { conditions?: { type: string; status: string }[] } },
  type: string,
) {
  return object.status?.conditions?.find(c => c.type === type) as
    | { type: string; status: string; reason?: string; message?: string }
    | undefined;
}

/**
 * Whether a workload is ready:
 * - Deployment: observedGeneration ≥ generation, updatedReplicas = availableReplicas = spec.replicas, no
 *   replicas of an old ReplicaSet left (status.replicas = updatedReplicas: while the new pod cannot start, the
 *   old one keeps availableReplicas at spec.replicas) and condition Available True;
 * - StatefulSet: observedGeneration ≥ generation, readyReplicas = spec.replicas and currentRevision =
 *   updateRevision;
 * - Job: condition Complete True (Failed True means it never will be);
 * - Pod: condition Ready True, or phase Succeeded.
 */
export function readinessOf(
  kind: string,
  object: KubernetesObject | undefined,
): Readiness {
  if (!object) return { ready: false, summary: 'not found' };
  const generation = object.metadata?.generation ?? 0;
  switch (kind) {
    case 'Deployment': {
      const d = object as V1Deployment;
      const want = d.spec?.replicas ?? 1;
      const updated = d.status?.updatedReplicas ?? 0;
      const available = d.status?.availableReplicas ?? 0;
      const old = (d.status?.replicas ?? 0) - updated;
      const observed = (d.status?.observedGeneration ?? 0) >= generation;
      const availableCondition = condition(d, 'Available')?.status === 'True';
      return {
        ready:
          observed &&
          updated === want &&
          available === want &&
          old <= 0 &&
          availableCondition,
        summary: `${available}/${want} available, ${updated}/${want} updated${
          old > 0 ? `, ${old} old replica(s) left` : ''
        }${observed ? '' : ', new generation not yet observed'}`,
      };
    }
    case 'StatefulSet': {
      const s = object as V1StatefulSet;
      const want = s.spec?.replicas ?? 1;
      const ready = s.status?.readyReplicas ?? 0;
      const observed = (s.status?.observedGeneration ?? 0) >= generation;
      const revisionDone =
        !!s.status?.updateRevision &&
        s.status.currentRevision === s.status.updateRevision;
      return {
        ready: observed && ready === want && revisionDone,
        summary: `${ready}/${want} ready${
          revisionDone
            ? ''
            : `, revision ${s.status?.updateRevision ?? '?'} rolling out`
        }${observed ? '' : ', new generation not yet observed'}`,
      };
    }
    case 'Job': {
      const j = object as V1Job;
      const failed = condition(j, 'Failed');
      if (failed?.status === 'True') {
        return {
          ready: false,
          failed: `Job failed: ${[failed.reason, failed.message]
            .filter(Boolean)
            .join(': ')}`,
          summary: 'failed',
        };
      }
      const complete = condition(j, 'Complete')?.status === 'True';
      return {
        ready: complete,
        summary: `${j.status?.succeeded ?? 0}/${
          j.spec?.completions ?? 1
        } succeeded, ${j.status?.active ?? 0} active`,
      };
    }
    case 'Pod': {
      const p = object as V1Pod;
      const ready =
        p.status?.phase === 'Succeeded' ||
        condition(p, 'Ready')?.status === 'True';
      if (p.status?.phase === 'Failed') {
        return {
          ready: false,
          failed: `Pod failed: ${p.status.reason ?? ''} ${
            p.status.message ?? ''
          }`.trim(),
          summary: 'failed',
        };
      }
      return { ready, summary: `phase ${p.status?.phase ?? 'unknown'}` };
    }
    default:
      return { ready: true, summary: 'ready' };
  }
}

/** Whether labels match a label selector (matchLabels and matchExpressions). */
export function matchesSelector(
  selector: V1LabelSelector | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The pod selector of a workload (undefined for kinds without one). */
export function selectorOf(
  object: KubernetesObject,
): V1LabelSelector | undefined {
  return (object as { spec?: { selector?: V1LabelSelector } }).spec?.selector;
}

/** The container images of a workload's pod template (or of a pod), in order, without repeats. */
export function imagesOf(kind: string, object: KubernetesObject): string[] {
  const podSpec =
    kind === 'Pod'
      ? (object as V1Pod).spec
      : (object as V1Deployment).spec?.template?.spec;
  return [
    ...new Set(
      [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]
        .map(c => c.image)
        .filter((image): image is string => !!image),
    ),
  ];
}

/**
 * Why a pod is not ready, read from its status: unschedulable (the scheduler's message), a container waiting
 * (reason and message, e.g. ImagePullBackOff, CrashLoopBackOff) or terminated with an error, else the Ready
 * condition's reason. Empty when the pod is ready or done.
 */
export function podProblems(pod: V1Pod): string[] {
  if (pod.status?.phase === 'Succeeded') return [];
  if (condition(pod, 'Ready')?.status === 'True') return [];
  const problems: string[] = [];
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False') {
    problems.push(
      `${scheduled.reason ?? 'Unschedulable'}: ${
        scheduled.message ?? ''
      }`.trim(),
    );
    return problems;
  }
  if (!scheduled && !pod.spec?.nodeName) {
    problems.push('Pending: not scheduled yet');
    return problems;
  }
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []).map(s => ({
      ...s,
      init: true,
    })),
    ...(pod.status?.containerStatuses ?? []).map(s => ({ ...s, init: false })),
  ];
  for (const status of statuses) {
    const label = `${status.init ? 'init container' : 'container'} ${
      status.name
    }`;
    const waiting = status.state?.waiting;
    const terminated = status.state?.terminated;
    if (waiting && waiting.reason !== 'PodInitializing') {
      const last = status.lastState?.terminated;
      problems.push(
        `${label} waiting: ${[waiting.reason, waiting.message]
          .filter(Boolean)
          .join(': ')}${
          last
            ? ` (last exit code ${last.exitCode}${
                last.reason ? `, ${last.reason}` : ''
              }, ${status.restartCount} restarts)`
            : ''
        }`,
      );
    } else if (terminated && terminated.exitCode !== 0) {
      problems.push(
        `${label} terminated: ${terminated.reason ?? 'Error'} (exit code ${
          terminated.exitCode
        })${terminated.message ? `: ${terminated.message}` : ''}`,
      );
    }
  }
  if (!problems.length) {
    if (pod.status?.phase === 'Failed') {
      problems.push(
        `pod failed: ${[pod.status.reason, pod.status.message]
          .filter(Boolean)
          .join(': ')}`,
      );
    } else {
      const ready = condition(pod, 'Ready');
      const detail = [ready?.reason, ready?.message].filter(Boolean).join(': ');
      problems.push(
        `not ready${
          detail ? `: ${detail}` : ` (phase ${pod.status?.phase ?? 'unknown'})`
        }`,
      );
    }
  }
  return problems;
}

/**
 * The scheduler's message when a pod has been Unschedulable for longer than `graceMs` (insufficient resources,
 * no node matching its selector, affinity or tolerations, an unbound claim): waiting out the whole readiness
 * timeout would not change it.
 */
export function unschedulableFor(
  pod: V1Pod,
  graceMs: number,
  now = Date.now(),
): string | undefined {
  const scheduled = condition(pod, 'PodScheduled') as
    | {
        status: string;
        reason?: string;
        message?: string;
        lastTransitionTime?: Date | string;
      }
    | undefined;
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') {
    return undefined;
  }
  const since = new Date(scheduled.lastTransitionTime ?? now).getTime();
  return now - since >= graceMs
    ? scheduled.message ?? 'Unschedulable'
    : undefined;
}

/** The problems of several pods, each distinct problem once, with the pods it affects. */
export function summarizePodProblems(pods: V1Pod[]): string[] {
  const byProblem = new Map<string, string[]>();
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    for (const problem of podProblems(pod)) {
      const names = byProblem.get(problem) ?? [];
      names.push(pod.metadata?.name ?? '?');
      byProblem.set(problem, names);
    }
  }
  return [...byProblem].map(([problem, names]) => {
    const who =
      names.length === 1
        ? `pod ${names[0]}`
        : `${names.length} pods (${names.slice(0, 3).join(', ')}${
            names.length > 3 ? ', …' : ''
          })`;
    return `${who}: ${problem}`;
  });
}
