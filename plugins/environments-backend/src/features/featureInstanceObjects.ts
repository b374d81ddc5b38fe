import { InputError } from '@backstage/errors';
import type {
  KubernetesObject,
  V1LabelSelector,
  V1PodSpec,
} from '@kubernetes/client-node';
import {
  RoutingMode,
  validateDnsLabel,
} from '@envmesh/plugin-environments-common';
import { LABELS, WORKLOAD_KINDS } from '../apply';
import {
  INSTANCE_LABEL,
  NAME_LIMIT,
  instanceServiceName,
  suffixedName,
} from '../naming';
import { PodTemplate, podTemplateOf } from './podTemplates';
import { isolateBaseRelease, serviceSelections } from './baseRelease';
import { addEnv, applyPlacement, configRefs, dedupeEnv } from './podSpecEdits';
import { FeaturePlacement } from './placement';

/** @public */
export interface FeatureInstanceOptions {
  /** The service, e.g. `demo-api`: its release name and the `app.kubernetes.io/instance` value of its base pods. */
  service: string;
  /** The feature name, a DNS-1123 label, e.g. `feature-31337`. */
  feature: string;
  /** The dedicated feature nodes, merged into every pod spec. */
  placement?: FeaturePlacement;
  /** Added to every container and init container, replacing same-named entries (from the isolation hooks). */
  env?: Array<{ name: string; value: string }>;
  /**
   * The environment's routing mode; `service` adds, per Service of the base release that selects its pods,
   * an instance Service `<host>-<feature>` selecting the instance's pods only (default `subset`).
   */
  mode?: RoutingMode;
}

/** Env var names Kubernetes accepts everywhere (C identifiers plus `-` and `.`). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

// Objects whose name is also a prefix of label values the controllers set on their pods: a StatefulSet's
// pods carry `controller-revision-hash: <name>-<hash>`, a CronJob's Jobs are named `<name>-<minutes>`.
const NAME_LIMITS: Record<string, number> = { StatefulSet: 52, CronJob: 52 };

/**
 * Turns the objects a service's chart rendered into the objects of a feature instance of that service, to be
 * applied beside the base release:
 *
 * - keeps the workloads ({@link WORKLOAD_KINDS}) and the ConfigMaps, Secrets and PersistentVolumeClaims the
 *   chart rendered and their pods use (volumes, projected volumes, envFrom, env valueFrom, image pull
 *   secrets), since the feature's values may change them; drops everything else. Services, VirtualServices
 *   and DestinationRules stay the base release's: the base Service reaches the feature pods and routing adds
 *   the feature's subset and route. ServiceAccounts are not copied either: the pods keep using the base one,
 *   so the RBAC bindings and cloud workload identities bound to its name still apply;
 * - renames every kept object `<name>-<feature>` (cut, with a hash, to fit name limits) and rewrites the
 *   references to renamed objects in the pod templates;
 * - sets `app.kubernetes.io/instance: <service>.<feature>` on the pod templates and the workloads' selectors
 *   (so base and feature controllers never select each other's pods, while the base Service, which selects
 *   on the other labels and `envmesh.io/service`, reaches both) and on every kept object, and `envmesh.io/feature: <feature>` on
 *   every kept object and pod template;
 * - merges the placement into every pod spec and adds `env` to every container.
 *
 * The chart's objects are first taken as the base release applies them ({@link isolateBaseRelease}), so a
 * Service that selected on the instance label reaches the feature pods too. Throws an InputError when the
 * chart renders no workload. The input is not changed.
 */
export function featureInstanceObjects(
  chartObjects: KubernetesObject[],
  options: FeatureInstanceOptions,
): KubernetesObject[] {
  const { service, feature } = options;
  const instance = checkOptions(options);
  const env = dedupeEnv(options.env ?? []);
  // The base release as applied: its Services reach feature pods (see isolateBaseRelease).
  const objects = isolateBaseRelease(chartObjects, service, options.mode);

  const workloads = objects.filter(o => WORKLOAD_KINDS.has(o.kind ?? ''));
  if (!workloads.length) {
    throw new InputError(
      `service '${service}' renders no workload; nothing to deploy as a feature instance`,
    );
  }

  // What the chart rendered that a pod may reference, by kind and name.
  const rendered = new Map<string, KubernetesObject>();
  for (const object of objects) {
    const key = configKey(object);
    if (key && !rendered.has(key)) rendered.set(key, object);
  }

  const transformed = new Map<KubernetesObject, KubernetesObject>();
  const keptConfig = new Map<string, KubernetesObject>();
  for (const original of workloads) {
    const workload = structuredClone(original);
    const describe = `${workload.kind} '${workload.metadata?.name}'`;
    const template = podTemplateOf(workload);
    if (!template) {
      throw new InputError(
        `service '${service}': ${describe} has no pod template`,
      );
    }
    template.metadata.labels = instanceLabels(
      template.metadata.labels,
      instance,
      feature,
    );
    setInstanceSelector(template, instance);
    if (template.extraMetadata) {
      template.extraMetadata.labels = instanceLabels(
        template.extraMetadata.labels,
        instance,
        feature,
      );
    }
    rewritePodSelectors(template.spec, service, instance);
    applyPlacement(template.spec, options.placement);
    addEnv(template.spec, env);

    for (const ref of configRefs(template.spec)) {
      const key = `${ref.kind}/${ref.name}`;
      const source = rendered.get(key);
      // Not the chart's (e.g. the environment's shared config): referenced as it is.
      if (!source) continue;
      if (!keptConfig.has(key)) keptConfig.set(key, structuredClone(source));
      ref.rename(renamed(ref.kind, ref.name, feature));
    }
    transformed.set(original, workload);
  }

  // In the order the chart rendered them (the applier orders by kind).
  const result: KubernetesObject[] = [];
  for (const object of objects) {
    const key = configKey(object);
    const kept =
      transformed.get(object) ??
      (key && rendered.get(key) === object ? keptConfig.get(key) : undefined);
    if (!kept) continue;
    const metadata = kept.metadata;
    if (typeof metadata?.name !== 'string' || !metadata.name) {
      throw new InputError(
        `service '${service}': a ${kept.kind} of its chart has no name`,
      );
    }
    metadata.name = renamed(kept.kind ?? '', metadata.name, feature);
    metadata.labels = instanceLabels(metadata.labels, instance, feature);
    result.push(kept);
  }
  if (options.mode === 'service') {
    result.push(...instanceServices(objects, instance, feature));
  }
  return result;
}

/**
 * `service` mode: per Service of the base release that selects its pods, a Service `<host>-<feature>` (the
 * name routing sends the feature's requests to) with the same ports, selecting the instance's pods only.
 */
function instanceServices(
  objects: KubernetesObject[],
  instance: string,
  feature: string,
): KubernetesObject[] {
  return serviceSelections(objects).map(selection => {
    const base = objects.find(
      o => o.kind === 'Service' && o.metadata?.name === selection.host,
    ) as KubernetesObject & { spec: any };
    const { clusterIP, ports } = base.spec;
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: instanceServiceName(selection.host, feature),
        labels: instanceLabels(base.metadata?.labels, instance, feature),
      },
      spec: {
        // A headless Service (a StatefulSet's) stays headless; other types do not need their exposure twice.
        ...(clusterIP === 'None' ? { clusterIP: 'None' } : {}),
        type: 'ClusterIP',
        selector: { ...selection.selector, [INSTANCE_LABEL]: instance },
        ports: (ports ?? []).map(
          ({ nodePort: _nodePort, ...port }: any) => port,
        ),
      },
    } as KubernetesObject;
  });
}

function configKey(object: KubernetesObject): string | undefined {
  const kind = object.kind;
  return kind === 'ConfigMap' ||
    kind === 'Secret' ||
    kind === 'PersistentVolumeClaim'
    ? `${kind}/${object.metadata?.name}`
    : undefined;
}

/** Validates the options; returns the instance label value `<service>.<feature>`. */
function checkOptions({ service, feature, env }: FeatureInstanceOptions) {
  const reason =
    validateDnsLabel(service, 'service') ??
    validateDnsLabel(feature, 'feature');
  if (reason) throw new InputError(reason);
  const instance = `${service}.${feature}`;
  if (instance.length > NAME_LIMIT) {
    throw new InputError(
      `feature: the instance label '${instance}' is longer than ${NAME_LIMIT} characters; use a shorter feature name`,
    );
  }
  for (const [index, entry] of (env ?? []).entries()) {
    if (typeof entry?.name !== 'string' || !ENV_NAME.test(entry.name)) {
      throw new InputError(
        `env.${index}.name: '${entry?.name}' is not a valid environment variable name`,
      );
    }
    // The value may be a credential: never echo it.
    if (typeof entry.value !== 'string') {
      throw new InputError(`env.${index}.value: must be a string`);
    }
  }
  return instance;
}

function renamed(kind: string, name: string, feature: string): string {
  return suffixedName(name, feature, NAME_LIMITS[kind] ?? NAME_LIMIT);
}

function instanceLabels(
  labels: Record<string, string> | undefined,
  instance: string,
  feature: string,
): Record<string, string> {
  return { ...labels, [INSTANCE_LABEL]: instance, [LABELS.feature]: feature };
}

/**
 * Puts the instance label into the workload's selector, replacing the base value (and any expression on that
 * key). Jobs without a selector keep none: the Job controller selects its pods by its own uid.
 */
function setInstanceSelector(template: PodTemplate, instance: string) {
  if (template.mapSelector) {
    const selector = template.mapSelector.get();
    if (selector) {
      template.mapSelector.set({ ...selector, [INSTANCE_LABEL]: instance });
    }
    return;
  }
  const selector = template.selector?.get();
  if (!selector) return;
  const { matchExpressions, ...rest } = selector;
  const expressions = matchExpressions?.filter(e => e.key !== INSTANCE_LABEL);
  template.selector!.set({
    ...rest,
    matchLabels: { ...selector.matchLabels, [INSTANCE_LABEL]: instance },
    ...(expressions?.length ? { matchExpressions: expressions } : {}),
  });
}

/**
 * Pod (anti-)affinity terms and topology spread constraints that pick the base instance's pods by their
 * instance label are about "pods of this workload": point them at the feature instance's pods.
 */
function rewritePodSelectors(
  spec: V1PodSpec,
  service: string,
  instance: string,
) {
  const selectors: Array<V1LabelSelector | undefined> = [
    ...(spec.topologySpreadConstraints ?? []).map(c => c.labelSelector),
  ];
  for (const affinity of [
    spec.affinity?.podAffinity,
    spec.affinity?.podAntiAffinity,
  ]) {
    for (const term of affinity?.requiredDuringSchedulingIgnoredDuringExecution ??
      []) {
      selectors.push(term.labelSelector);
    }
    for (const weighted of affinity?.preferredDuringSchedulingIgnoredDuringExecution ??
      []) {
      selectors.push(weighted.podAffinityTerm?.labelSelector);
    }
  }
  for (const selector of selectors) {
    if (!selector) continue;
    if (selector.matchLabels?.[INSTANCE_LABEL] === service) {
      selector.matchLabels[INSTANCE_LABEL] = instance;
    }
    for (const expression of selector.matchExpressions ?? []) {
      if (expression.key === INSTANCE_LABEL && expression.values) {
        expression.values = expression.values.map(v =>
          v === service ? instance : v,
        );
      }
    }
  }
}
