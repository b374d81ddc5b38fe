import yaml from 'js-yaml';
import { KubernetesObject } from '@kubernetes/client-node';
import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { DesiredState } from '../desired';
import type { EnvironmentStore } from '../store';
import { requireEnvironment } from './EnvironmentReader';

/** One file of an export, by its path relative to the export's root. */
export interface ExportedFile {
  path: string;
  content: string;
}

/** The folder of the manifests: a kustomization Argo CD and Flux build as they are. */
const MANIFESTS = 'manifests';

/**
 * Kinds without a namespace that charts render. The applier asks the API server (discovery); an export is read
 * without a cluster, so it knows these, and gives every other object without a namespace the environment's.
 */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'CSIDriver',
  'CustomResourceDefinition',
  'GatewayClass',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'PersistentVolume',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingWebhookConfiguration',
]);

/**
 * An environment as files, from its desired state:
 *
 * - `environment.yaml`: an `envmesh.io/v1alpha1` Environment (the form `environments.seed` reads and, as its
 *   `spec` plus `name`, `POST /environments` accepts), with each service's own values, image tag and startup
 *   group, the config and resources; Secrets by key names only, their values never leave the cluster;
 * - `manifests/`: what envmesh applies, rendered: the namespace, the environment's own objects in
 *   `_environment/`, each service in a folder of its own, a `kustomization.yaml` in each folder and one at the
 *   top that sets the namespace and lists them.
 *
 * Files are sorted and their content is stable (keys in the order envmesh writes them), so exporting twice
 * gives the same bytes.
 */
export class EnvironmentExporter {
  constructor(
    private readonly deps: {
      environments: Pick<EnvironmentStore, 'getEnvironment'>;
      desired: DesiredState;
    },
  ) {}

  async exportEnvironment(name: string): Promise<{ files: ExportedFile[] }> {
    const env = await requireEnvironment(this.deps.environments, name);
    const files: ExportedFile[] = [
      { path: 'environment.yaml', content: dump(environmentDocument(env)) },
      ...folder(
        `${MANIFESTS}/_environment`,
        this.deps.desired.environment(env),
        env.namespace,
      ),
    ];
    for (const service of env.services) {
      const { objects } = await this.deps.desired.service(env, service);
      files.push(
        ...folder(`${MANIFESTS}/${service.name}`, objects, env.namespace),
      );
    }
    files.push(
      {
        path: `${MANIFESTS}/namespace.yaml`,
        content: dump(this.deps.desired.namespace(env)),
      },
      {
        path: `${MANIFESTS}/kustomization.yaml`,
        content: dump(
          kustomization([
            'namespace.yaml',
            '_environment',
            ...env.services.map(s => s.name),
          ]),
        ),
      },
    );
    return { files: files.sort((a, b) => a.path.localeCompare(b.path)) };
  }
}

/** The Environment document of a spec: what a create request needs to make it again, nothing stored besides. */
function environmentDocument(env: EnvironmentSpec) {
  return {
    apiVersion: 'envmesh.io/v1alpha1',
    kind: 'Environment',
    metadata: {
      name: env.name,
      ...(env.description ? { description: env.description } : {}),
    },
    spec: {
      cluster: env.cluster,
      namespace: env.namespace,
      owner: env.owner,
      ...(env.previewDomain ? { previewDomain: env.previewDomain } : {}),
      ...(env.previewService ? { previewService: env.previewService } : {}),
      ...(env.routing ? { routing: env.routing } : {}),
      globalValues: env.globalValues,
      config: {
        configMaps: env.config.configMaps,
        secrets: env.config.secrets.map(s => ({
          name: s.name,
          ...(s.type ? { type: s.type } : {}),
          keys: s.keys,
        })),
      },
      resources: env.resources,
      // A service's pin (a rollback's or copy's chart) is envmesh's record, not part of a request.
      services: env.services.map(({ pinned: _pinned, ...service }) => service),
    },
  };
}

/** A folder of one release: one file per object and the kustomization that lists them. */
function folder(
  dir: string,
  objects: KubernetesObject[],
  namespace: string,
): ExportedFile[] {
  const names = new Set<string>();
  const files = objects.map(rendered => {
    const object = inNamespace(rendered, namespace);
    const base = `${(object.kind ?? 'object').toLowerCase()}-${
      object.metadata?.name ?? 'unnamed'
    }`;
    let name = `${base}.yaml`;
    // The same kind and name in two API groups (a chart may render both) still get a file each.
    for (let i = 2; names.has(name); i++) name = `${base}-${i}.yaml`;
    names.add(name);
    return { path: `${dir}/${name}`, content: dump(object) };
  });
  const resources = files.map(f => f.path.slice(dir.length + 1)).sort();
  return [
    ...files,
    {
      path: `${dir}/kustomization.yaml`,
      content: dump(kustomization(resources)),
    },
  ];
}

/**
 * The object with the environment's namespace when it has none and is namespaced, as the applier gives it;
 * one with a namespace of its own (a gateway in istio-system) keeps it, which a kustomization's `namespace`
 * would not.
 */
function inNamespace(
  object: KubernetesObject,
  namespace: string,
): KubernetesObject {
  if (object.metadata?.namespace || CLUSTER_SCOPED.has(object.kind ?? '')) {
    return object;
  }
  return { ...object, metadata: { ...object.metadata, namespace } };
}

function kustomization(resources: string[]) {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources,
  };
}

function dump(value: unknown): string {
  return yaml.dump(value, { noRefs: true, sortKeys: false, lineWidth: -1 });
}
