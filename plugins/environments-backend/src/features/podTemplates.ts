import type {
  KubernetesObject,
  V1LabelSelector,
  V1ObjectMeta,
  V1PodSpec,
} from '@kubernetes/client-node';

/** The parts of a workload that describe its pods. */
export interface PodTemplate {
  /** Holds the pod labels (the template's metadata; a bare Pod's own metadata). */
  metadata: V1ObjectMeta;
  spec: V1PodSpec;
  /** The workload's pod selector, where it has one of this shape. */
  selector?: {
    get(): V1LabelSelector | undefined;
    set(s: V1LabelSelector): void;
  };
  /** ReplicationController's selector, a plain label map. */
  mapSelector?: {
    get(): Record<string, string> | undefined;
    set(s: Record<string, string>): void;
  };
  /** Extra metadata that labels what the workload creates (a CronJob's Jobs). */
  extraMetadata?: V1ObjectMeta;
}

/** Where a workload keeps its pod template and selector; undefined when it has none. */
export function podTemplateOf(
  workload: KubernetesObject,
): PodTemplate | undefined {
  const object = workload as KubernetesObject & { spec?: any };
  const spec = object.spec;
  if (!spec || typeof spec !== 'object') return undefined;
  const labelSelector = (holder: any) => ({
    get: () => holder.selector as V1LabelSelector | undefined,
    set: (s: V1LabelSelector) => {
      holder.selector = s;
    },
  });
  const fromTemplate = (
    template: any,
    holder: any,
  ): PodTemplate | undefined => {
    if (!template?.spec || typeof template.spec !== 'object') return undefined;
    template.metadata ??= {};
    return {
      metadata: template.metadata,
      spec: template.spec,
      selector: labelSelector(holder),
    };
  };
  switch (workload.kind) {
    case 'Pod':
      object.metadata ??= {};
      return { metadata: object.metadata, spec };
    case 'CronJob': {
      const jobTemplate = spec.jobTemplate;
      if (!jobTemplate?.spec) return undefined;
      const template = fromTemplate(
        jobTemplate.spec.template,
        jobTemplate.spec,
      );
      if (!template) return undefined;
      jobTemplate.metadata ??= {};
      return { ...template, extraMetadata: jobTemplate.metadata };
    }
    case 'ReplicationController': {
      const template = fromTemplate(spec.template, spec);
      if (!template) return undefined;
      return {
        metadata: template.metadata,
        spec: template.spec,
        mapSelector: {
          get: () => spec.selector,
          set: s => {
            spec.selector = s;
          },
        },
      };
    }
    default:
      return fromTemplate(spec.template, spec);
  }
}
