import { InputError } from '@backstage/errors';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RoutingMode } from '@envmesh/plugin-environments-common';
import { LABELS, WORKLOAD_KINDS } from '../apply';
import { INSTANCE_LABEL } from '../naming';
import { podTemplateOf } from './podTemplates';

/**
 * The pod label every pod of a service carries, base and feature instances alike (the value is the service,
 * also the release name). A Service that selected the base pods by their instance label selects on it
 * instead, so it reaches the feature pods that routing sends feature requests to.
 */
const SERVICE_POD_LABEL = LABELS.service;

/** A Service of a release and the release's workloads whose pods it selects. */
export interface ServiceSelection {
  /** The Service's name: the routed host. */
  host: string;
  /** The Service's label selector (equality-based, as Services are). */
  selector: Record<string, string>;
  /** `Kind/name` of each selected workload, in render order. */
  workloads: string[];
  /**
   * The `app.kubernetes.io/instance` value of the selected pods, as the chart rendered it: the release name
   * (`helm create`), a fullname (`<release>-<chart>`), or anything else; the `default` subset selects it.
   */
  baseInstance?: string;
}

/** The pod template labels of each workload of a release, keyed `Kind/name`. */
function podLabelsOf(objects: KubernetesObject[]) {
  const result = new Map<string, Record<string, string>>();
  for (const object of objects) {
    if (!WORKLOAD_KINDS.has(object.kind ?? '')) continue;
    const template = podTemplateOf(structuredClone(object));
    if (!template) continue;
    result.set(
      `${object.kind}/${object.metadata?.name}`,
      template.metadata.labels ?? {},
    );
  }
  return result;
}

function selects(selector: Record<string, string>, labels: object) {
  return Object.entries(selector).every(
    ([key, value]) => (labels as Record<string, string>)[key] === value,
  );
}

function selectorOf(object: KubernetesObject): Record<string, string> {
  if (object.kind !== 'Service' || object.apiVersion !== 'v1') return {};
  return ((object as any).spec?.selector ?? {}) as Record<string, string>;
}

/**
 * Which of a release's workloads each of its Services selects, worked out from the rendered objects rather
 * than from assumed labels. Services that select none of the release's pods (no selector, ExternalName, a
 * selector of another release's pods) are left out: they are not routed.
 *
 * Throws an InputError when one Service selects pods with different instance labels: no `default` subset
 * could select exactly its base pods.
 */
export function serviceSelections(
  objects: KubernetesObject[],
): ServiceSelection[] {
  const pods = podLabelsOf(objects);
  const result: ServiceSelection[] = [];
  for (const object of objects) {
    const selector = selectorOf(object);
    if (!Object.keys(selector).length) continue;
    const workloads = [...pods].filter(([, labels]) =>
      selects(selector, labels),
    );
    if (!workloads.length) continue;
    const instances = new Set(workloads.map(([, l]) => l[INSTANCE_LABEL]));
    const host = object.metadata?.name ?? '';
    if (instances.size > 1) {
      throw new InputError(
        `Service '${host}' selects pods with different '${INSTANCE_LABEL}' labels (${[
          ...instances,
        ].join(', ')}), so no routing subset can select exactly its base pods`,
      );
    }
    result.push({
      host,
      selector,
      workloads: workloads.map(([key]) => key),
      baseInstance: [...instances][0],
    });
  }
  return result;
}

/**
 * What envmesh applies for a service's chart, so that feature instances of any chart can be routed beside it
 * and plain traffic reaches only base pods:
 *
 * - every pod template gets {@link SERVICE_POD_LABEL} `<service>`, and `app.kubernetes.io/instance:
 *   <service>` where the chart sets no instance label (the `default` subset needs a label that only base
 *   pods carry; feature pods get `<service>.<feature>`);
 * - `subset` mode: a Service that selects the release's pods by their instance label (as `helm create`
 *   writes them, or with a fullname) selects them by {@link SERVICE_POD_LABEL} instead: the same base pods,
 *   plus the feature pods, which routing reaches as subsets of this Service's endpoints;
 * - `service` mode: a Service that selects the release's pods without their instance label gets it, so it
 *   never selects a feature pod (each feature instance has Services of its own).
 *
 * Selectors of workloads are not changed (they are immutable for Deployments and StatefulSets). Pure: the
 * input is not changed; the diff and the manifest view show the result, since they read the same objects.
 */
export function isolateBaseRelease(
  objects: KubernetesObject[],
  service: string,
  mode: RoutingMode = 'subset',
): KubernetesObject[] {
  const before = podLabelsOf(objects);
  return objects.map(original => {
    if (WORKLOAD_KINDS.has(original.kind ?? '')) {
      const object = structuredClone(original);
      const template = podTemplateOf(object);
      if (!template) return original;
      const labels = template.metadata.labels ?? {};
      template.metadata.labels = {
        ...labels,
        [INSTANCE_LABEL]: labels[INSTANCE_LABEL] ?? service,
        [SERVICE_POD_LABEL]: service,
      };
      return object;
    }
    const selector = selectorOf(original);
    const selected = [...before.values()].filter(
      labels => Object.keys(selector).length && selects(selector, labels),
    );
    if (!selected.length) return original;
    const object = structuredClone(original) as any;
    if (mode === 'subset') {
      if (!(INSTANCE_LABEL in selector)) return original;
      const { [INSTANCE_LABEL]: _instance, ...rest } = selector;
      object.spec.selector = { ...rest, [SERVICE_POD_LABEL]: service };
    } else {
      if (INSTANCE_LABEL in selector) return original;
      // The instance label the selected pods carry (or are given above).
      const instance = selected[0][INSTANCE_LABEL] ?? service;
      object.spec.selector = { ...selector, [INSTANCE_LABEL]: instance };
    }
    return object as KubernetesObject;
  });
}
