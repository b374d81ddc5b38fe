import {
  KubeConfig,
  KubernetesObject,
  PatchStrategy,
} from '@kubernetes/client-node';
import { DynamicClient, isApiStatus } from '../apply';
import type { ObjectRef } from '../apply';

/** The annotation that keeps a workload's replica count while its environment sleeps. */
export const AWAKE_REPLICAS_ANNOTATION = 'envmesh.io/awake-replicas';

/** The workload kinds a sleep scales to zero (others, e.g. DaemonSets and Jobs, keep running). */
export const SCALABLE_KINDS = new Set(['Deployment', 'StatefulSet']);

/**
 * Its own field manager: the replica count a sleep sets is taken back by envmesh's next forced apply of the
 * service, while the chart's other fields stay envmesh's.
 */
const FIELD_MANAGER = 'envmesh-sleep';

interface Scalable {
  metadata?: { generation?: number; annotations?: Record<string, string> };
  spec?: { replicas?: number };
}

/** What a scale did: the workload's generation after it, for drift tracking; nothing when it was gone. */
export interface ScaleResult {
  changed: boolean;
  generation?: number;
}

/**
 * Scales an environment's workloads to zero for a sleep and back for a wake. The replica count before the
 * sleep is kept on the workload (AWAKE_REPLICAS_ANNOTATION), so both are idempotent: a resumed sleep does not
 * record zero as the count to return to, and a resumed wake leaves a workload that is already awake alone.
 */
export class WorkloadScaler {
  static async sleep(
    kubeConfig: KubeConfig,
    ref: ObjectRef,
  ): Promise<ScaleResult> {
    const live = await WorkloadScaler.#read(kubeConfig, ref);
    if (!live) return { changed: false };
    const kept = live.metadata?.annotations?.[AWAKE_REPLICAS_ANNOTATION];
    if (kept !== undefined && live.spec?.replicas === 0) {
      return { changed: false, generation: live.metadata?.generation };
    }
    return WorkloadScaler.#patch(
      kubeConfig,
      ref,
      { [AWAKE_REPLICAS_ANNOTATION]: kept ?? String(live.spec?.replicas ?? 1) },
      0,
    );
  }

  static async wake(
    kubeConfig: KubeConfig,
    ref: ObjectRef,
  ): Promise<ScaleResult> {
    const live = await WorkloadScaler.#read(kubeConfig, ref);
    const kept = live?.metadata?.annotations?.[AWAKE_REPLICAS_ANNOTATION];
    if (kept === undefined) {
      return { changed: false, generation: live?.metadata?.generation };
    }
    const replicas = Number.parseInt(kept, 10);
    return WorkloadScaler.#patch(
      kubeConfig,
      ref,
      { [AWAKE_REPLICAS_ANNOTATION]: null },
      Number.isFinite(replicas) ? replicas : 1,
    );
  }

  static async #read(
    kubeConfig: KubeConfig,
    ref: ObjectRef,
  ): Promise<Scalable | undefined> {
    try {
      return (await DynamicClient.for(kubeConfig).read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      })) as Scalable;
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** A merge patch of the replica count and the annotations (null removes one). */
  static async #patch(
    kubeConfig: KubeConfig,
    ref: ObjectRef,
    annotations: Record<string, string | null>,
    replicas: number,
  ): Promise<ScaleResult> {
    const patched = (await DynamicClient.for(kubeConfig).patch(
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          annotations: annotations as Record<string, string>,
        },
        spec: { replicas },
      } as KubernetesObject,
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.MergePatch,
    )) as Scalable;
    return { changed: true, generation: patched.metadata?.generation };
  }
}
