import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { DynamicClient } from '../apply';
import type { ClusterSupplier } from '../clusters';
import { readTraceObjects, withoutSidecar } from '../routing';
import type {
  EnvironmentStore,
  FeatureStore,
  ServiceRegistryStore,
} from '../store';
import { requireEnvironment } from './EnvironmentReader';
import {
  CallGraphNode,
  InstanceReachability,
  Propagation,
  lossMessage,
  propagationSummary,
  reachability,
} from './reachability';

/** The annotation on a service's catalog component that says how it forwards the routing context. */
const PROPAGATES_ANNOTATION = 'envmesh.io/propagates';

const PROPAGATIONS = new Set<Propagation>(['header', 'baggage', 'none']);

/**
 * Answers "which of my feature's instances can a request actually reach?" before anyone wonders why they see
 * base behaviour: the call graph of the environment's services from the catalog (`dependsOn`, and
 * `consumesApis` of an API another service `providesApis`), each service's propagation from its component's
 * `envmesh.io/propagates` annotation (else the service's `propagates` setting), and whether its pods run a
 * sidecar, from the cluster.
 */
export class FeatureReachabilityReader {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      features: FeatureStore;
      registry: ServiceRegistryStore;
      clusters: ClusterSupplier;
      catalog?: CatalogService;
      /** Whether routes also match the W3C baggage entry (`features.routing.baggage`). */
      baggage: boolean;
    },
  ) {}

  /** Which of a feature branch's instances a request entering by `entry` reaches. */
  async reachability(
    featureName: string,
    options: { entry?: string; credentials: BackstageCredentials },
  ) {
    const feature = await this.deps.features.getFeature(featureName);
    if (!feature) throw new NotFoundError(`no feature branch '${featureName}'`);
    const env = await requireEnvironment(
      this.deps.environments,
      feature.environment,
    );
    const { entry, graph } = await this.#walk(env, options);
    const instances = this.#instances(
      graph,
      entry,
      feature.instances.map(i => i.service),
    );
    return {
      feature: feature.name,
      environment: env.name,
      entry,
      baggage: this.deps.baggage,
      instances,
      summary: `${instances.filter(i => i.path).length} of ${
        instances.length
      } instance(s) of ${feature.name} reachable from ${entry}`,
    };
  }

  /**
   * The pre-flight of a feature about to be deployed: which of the named services' instances a request
   * entering by `entry` would reach, and how the whole environment carries the routing context.
   */
  async preflight(
    environment: string,
    options: {
      entry?: string;
      instances?: string[];
      credentials: BackstageCredentials;
    },
  ) {
    const env = await requireEnvironment(this.deps.environments, environment);
    for (const [index, service] of (options.instances ?? []).entries()) {
      if (!env.services.some(s => s.name === service)) {
        throw new InputError(
          `instances.${index}: '${service}' is not a service of environment '${env.name}'`,
        );
      }
    }
    const { entry, graph } = await this.#walk(env, options);
    const propagation = propagationSummary({
      graph,
      entry,
      baggage: this.deps.baggage,
    });
    const instances = this.#instances(graph, entry, options.instances ?? []);
    const reached = instances.filter(i => i.path).length;
    return {
      environment: env.name,
      entry,
      baggage: this.deps.baggage,
      instances,
      propagation,
      summary: instances.length
        ? `${reached} of ${instances.length} instance(s) would be reachable from ${entry}`
        : propagation.summary,
    };
  }

  /** The entry (the preview service unless named) and the call graph. */
  async #walk(
    env: EnvironmentSpec,
    options: { entry?: string; credentials: BackstageCredentials },
  ) {
    const entry = options.entry ?? env.previewService;
    if (!entry) {
      throw new InputError(
        `entry: environment '${env.name}' has no previewService; name the service a request enters by`,
      );
    }
    if (!env.services.some(s => s.name === entry)) {
      throw new InputError(
        `entry: '${entry}' is not a service of environment '${env.name}'`,
      );
    }
    return { entry, graph: await this.#callGraph(env, options.credentials) };
  }

  #instances(
    graph: Map<string, CallGraphNode>,
    entry: string,
    services: string[],
  ) {
    return reachability({
      graph,
      entry,
      instances: services,
      baggage: this.deps.baggage,
    }).map(r => ({ ...r, message: describe(r, entry) }));
  }

  /** The environment's services as the catalog and the cluster describe them. */
  async #callGraph(
    env: EnvironmentSpec,
    credentials: BackstageCredentials,
  ): Promise<Map<string, CallGraphNode>> {
    const definitions = new Map(
      (await this.deps.registry.listServices()).map(d => [d.name, d]),
    );
    const refs = env.services.flatMap(s => {
      const ref = definitions.get(s.name)?.catalogEntityRef;
      return ref ? [[s.name, ref] as const] : [];
    });
    const { catalog } = this.deps;
    const { items } =
      catalog && refs.length
        ? await catalog.getEntitiesByRefs(
            { entityRefs: refs.map(([, ref]) => ref) },
            { credentials },
          )
        : { items: [] };
    const components = new Map<string, Entity>();
    refs.forEach(([service], i) => {
      const entity = items[i];
      if (entity) components.set(service, entity);
    });
    const serviceOf = new Map(
      [...components].map(([service, e]) => [stringifyEntityRef(e), service]),
    );
    const providers = new Map<string, string>();
    for (const [service, entity] of components) {
      for (const api of refList(entity.spec?.providesApis, 'api', entity)) {
        providers.set(api, service);
      }
    }
    const pods = (
      await readTraceObjects(
        DynamicClient.for(this.deps.clusters.kubeConfig(env.cluster)),
        env.namespace,
      )
    ).pods;
    const noSidecar = new Set(withoutSidecar(pods));
    const graph = new Map<string, CallGraphNode>();
    for (const { name } of env.services) {
      const entity = components.get(name);
      const annotation = entity?.metadata.annotations?.[PROPAGATES_ANNOTATION];
      const calls = entity
        ? [
            ...refList(entity.spec?.dependsOn, 'component', entity).map(r =>
              serviceOf.get(r),
            ),
            ...refList(entity.spec?.consumesApis, 'api', entity).map(r =>
              providers.get(r),
            ),
          ]
        : [];
      // The component's annotation, else the service's own setting, else unknown.
      const declared = [annotation, definitions.get(name)?.propagates].find(
        (p): p is Propagation => PROPAGATIONS.has(p as Propagation),
      );
      graph.set(name, {
        propagates: declared ?? 'unknown',
        calls: [
          ...new Set(calls.filter((c): c is string => !!c && c !== name)),
        ],
        sidecar: !noSidecar.has(name),
      });
    }
    return graph;
  }
}

/** Entity refs of a spec field, completed with the default kind and the entity's namespace. */
function refList(
  value: unknown,
  defaultKind: string,
  entity: Entity,
): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap(ref => {
    try {
      return [
        stringifyEntityRef(
          parseEntityRef(String(ref), {
            defaultKind,
            defaultNamespace: entity.metadata.namespace ?? 'default',
          }),
        ),
      ];
    } catch {
      return [];
    }
  });
}

function describe(r: InstanceReachability, entry: string): string {
  if (r.path) return `reached: ${r.path.join(' → ')}`;
  if (r.lostAt) {
    return `not reached: ${lossMessage(r.lostAt.service, r.lostAt.reason)}`;
  }
  return `not reached: no service on a call path from ${entry} calls it`;
}
