import { NotFoundError } from '@backstage/errors';
import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  FeatureInstanceSpec,
  MergedValues,
  ServiceDefinition,
  ServicePin,
} from '@envmesh/plugin-environments-common';
import { isolateBaseRelease } from '../features';
import { HelmRenderer, layerServiceValues } from '../render';
import { RoutingDriver } from '../routing';
import { DatabaseEnvironmentStore } from '../store';
import { isolationMode, withLiveRoutes } from './releaseRoutes';

/**
 * The chart and service defaults a service of an environment renders with: its pin (set by a rollback or a
 * copy), else the registry's current ones.
 */
export function renderSource(
  definition: ServiceDefinition,
  service: EnvironmentServiceSpec,
): ServicePin {
  return (
    service.pinned ?? {
      chartDigest: definition.chart.digest,
      defaultValues: definition.defaultValues,
    }
  );
}

/**
 * A service of an environment as helm sees it: the registry's chart from the store, the layered values
 * (with provenance), and the rendered objects. The API's read endpoints and feature instances use it; the
 * rollout keeps its own per-operation chart cache.
 */
export class ServiceReleaseRenderer {
  constructor(
    private readonly deps: {
      store: DatabaseEnvironmentStore;
      renderer: HelmRenderer;
      routing: RoutingDriver;
    },
  ) {}

  /** The merged values of a service in an environment, each leaf with the layer that set it. */
  async values(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    instance?: FeatureInstanceSpec,
  ): Promise<MergedValues> {
    return (await this.#layer(env, service, instance)).merged;
  }

  /**
   * The objects envmesh applies for the service in the environment's namespace: what `helm template` renders,
   * isolated for feature routing (see isolateBaseRelease).
   */
  async render(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    instance?: FeatureInstanceSpec,
  ): Promise<KubernetesObject[]> {
    const { chart, merged } = await this.#layer(env, service, instance);
    const objects = await this.deps.renderer.render({
      release: service.name,
      namespace: env.namespace,
      chart,
      values: merged.values,
    });
    return isolateBaseRelease(
      objects,
      service.name,
      isolationMode(this.deps.routing, env),
    );
  }

  /**
   * The objects an update applies for the base service, from its {@link render}ed ones: with the feature
   * routes routing keeps in the chart's own routes (read from the cluster). The diff compares these.
   */
  withLiveRoutes(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    rendered: KubernetesObject[],
    kubeConfig: KubeConfig,
  ): Promise<KubernetesObject[]> {
    return withLiveRoutes(
      this.deps.routing,
      env,
      service.name,
      rendered,
      kubeConfig,
    );
  }

  async #layer(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    instance?: FeatureInstanceSpec,
  ) {
    const { store, renderer } = this.deps;
    const definition = await store.getService(service.name);
    if (!definition) {
      throw new NotFoundError(
        `service '${service.name}' is not in the registry`,
      );
    }
    const source = renderSource(definition, service);
    const archive = await store.getChartArchive(source.chartDigest);
    if (!archive) {
      throw new NotFoundError(
        `the chart of service '${service.name}' is missing`,
      );
    }
    const chart = { digest: source.chartDigest, archive };
    const merged = layerServiceValues({
      chartDefaults: await renderer.chartDefaults(chart),
      service: source,
      environment: env,
      environmentService: service,
      featureInstance: instance,
    });
    return { chart, merged };
  }
}
