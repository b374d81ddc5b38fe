import { createHash } from 'node:crypto';
import { NotFoundError } from '@backstage/errors';
import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  FeatureInstanceSpec,
  MergedValues,
  RoutingMode,
  ServiceDefinition,
  ServicePin,
} from '@envmesh/plugin-environments-common';
import { stableStringify } from '../apply';
import {
  FeaturePlacement,
  featureInstanceObjects,
  isolateBaseRelease,
  serviceSelections,
} from '../features';
import { instanceRelease } from '../naming';
import type { ChartRenderer } from '@envmesh/plugin-environments-node';
import { layerServiceValues } from '../render';
import { LruCache } from '../render/util';
import { RoutingDriver } from '../routing';
import type { ServiceRegistryStore } from '../store';
import { environmentObjects, namespaceObject } from './environmentObjects';
import { isolationMode, withLiveRoutes } from './releaseRoutes';

/** One release of an environment as it should exist in the cluster. */
export interface DesiredRelease {
  /** The inventory key: the service's name, or `<service>.<feature>` for a feature instance. */
  release: string;
  objects: KubernetesObject[];
  /** The merged values it renders with, each leaf with the layer that set it. */
  values: MergedValues;
  /** The chart and service defaults it renders with. */
  source: ServicePin;
}

/** What a feature instance adds to its base service's release. */
export interface InstanceOptions {
  feature: string;
  /** Variables the isolation hooks give every container (see collectIsolation). */
  env?: Array<{ name: string; value: string }>;
}

/**
 * The chart and service defaults a service of an environment renders with: its pin (set by a rollback or a
 * copy), else the registry's current ones.
 */
function renderSource(
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

/** The content hash a revision records: equal hashes, equal objects. */
export function manifestHash(objects: KubernetesObject[]): string {
  return createHash('sha256').update(stableStringify(objects)).digest('hex');
}

/**
 * What should exist in an environment's namespace, computed in one place: each service's release as helm
 * renders it with the layered values (isolated from its feature instances), the feature instances, and the
 * environment's own objects. Rollouts, feature deploys, the diff and the read endpoints all take it from
 * here, so what a preview shows is what an operation applies.
 */
export class DesiredState {
  /** Chart archives by digest (content-addressed, so never stale): one store read per chart, not per render. */
  readonly #archives = new LruCache<string, Promise<Buffer | undefined>>(32);

  constructor(
    private readonly deps: {
      registry: ServiceRegistryStore;
      renderer: ChartRenderer;
      routing: RoutingDriver;
      /** Where feature instances run: the dedicated feature nodes. */
      placement?: FeaturePlacement;
    },
  ) {}

  /** The environment's namespace, applied first. */
  namespace(env: EnvironmentSpec): KubernetesObject {
    return namespaceObject(env);
  }

  /**
   * The environment's own release `''`: config ConfigMaps, its gateways of the kind the routing driver
   * attaches routes to, Certificates. Secrets are never here (see SecretWriter).
   */
  environment(env: EnvironmentSpec): KubernetesObject[] {
    return environmentObjects(env, this.deps.routing.kind);
  }

  /**
   * A service's base release: what `helm template` renders, isolated for feature routing (see
   * isolateBaseRelease). A caller that holds the registry's definition passes it to save a read.
   */
  async service(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    definition?: ServiceDefinition,
  ): Promise<DesiredRelease> {
    const { objects, values, source } = await this.#render(
      env,
      service,
      undefined,
      definition,
    );
    return {
      release: service.name,
      objects: isolateBaseRelease(
        objects,
        service.name,
        isolationMode(this.deps.routing, env),
      ),
      values,
      source,
    };
  }

  /**
   * A feature instance: its base service rendered with the instance's values on top, renamed and labelled
   * as the instance (see featureInstanceObjects). Throws an InputError when the chart renders a Service no
   * route can select the instance by.
   */
  async instance(
    env: EnvironmentSpec,
    base: EnvironmentServiceSpec,
    instance: FeatureInstanceSpec,
    options: InstanceOptions,
  ): Promise<DesiredRelease> {
    const { objects, values, source } = await this.#render(env, base, instance);
    serviceSelections(objects);
    return {
      release: instanceRelease(base.name, options.feature),
      objects: featureInstanceObjects(objects, {
        service: base.name,
        feature: options.feature,
        placement: this.deps.placement,
        env: options.env,
        mode: this.#instanceMode(env),
      }),
      values,
      source,
    };
  }

  /** The merged values of a service, or of a feature instance of it, each leaf with the layer that set it. */
  async values(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    instance?: FeatureInstanceSpec,
  ): Promise<MergedValues> {
    return (await this.#layer(env, service, instance)).values;
  }

  /**
   * A base release as an update applies it and the diff compares it: with the feature routes routing keeps
   * in the chart's own routes, read from the cluster (see RoutingDriver.withRoutes).
   */
  withLiveRoutes(
    env: EnvironmentSpec,
    release: DesiredRelease,
    kubeConfig: KubeConfig,
  ): Promise<KubernetesObject[]> {
    return withLiveRoutes(
      this.deps.routing,
      env,
      release.release,
      release.objects,
      kubeConfig,
    );
  }

  /**
   * The routing mode feature instances are built for: the environment's with the Istio driver; the Gateway
   * API driver makes the instance Services itself.
   */
  #instanceMode(env: EnvironmentSpec): RoutingMode {
    return this.deps.routing.kind === 'istio'
      ? env.routing?.mode ?? 'subset'
      : 'subset';
  }

  async #render(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    instance?: FeatureInstanceSpec,
    definition?: ServiceDefinition,
  ) {
    const { chart, values, source } = await this.#layer(
      env,
      service,
      instance,
      definition,
    );
    const objects = await this.deps.renderer.render({
      release: service.name,
      namespace: env.namespace,
      chart,
      values: values.values,
    });
    return { objects, values, source };
  }

  async #layer(
    env: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    instance?: FeatureInstanceSpec,
    known?: ServiceDefinition,
  ) {
    const definition =
      known ?? (await this.deps.registry.getService(service.name));
    if (!definition) {
      throw new NotFoundError(
        `service '${service.name}' is not in the registry`,
      );
    }
    const source = renderSource(definition, service);
    const archive = await this.#chartArchive(source.chartDigest);
    if (!archive) {
      throw new NotFoundError(
        `the chart of service '${service.name}' (${source.chartDigest}) is missing`,
      );
    }
    const chart = { digest: source.chartDigest, archive };
    const values = layerServiceValues({
      chartDefaults: await this.deps.renderer.chartDefaults(chart),
      service: source,
      environment: env,
      environmentService: service,
      featureInstance: instance,
    });
    return { chart, values, source };
  }

  #chartArchive(digest: string): Promise<Buffer | undefined> {
    let pending = this.#archives.get(digest);
    if (!pending) {
      pending = this.deps.registry.getChartArchive(digest);
      this.#archives.set(digest, pending);
      const loaded = pending;
      // Only a found archive stays: a failed or empty read is asked again next time.
      loaded.then(
        archive => !archive && this.#archives.delete(digest, loaded),
        () => this.#archives.delete(digest, loaded),
      );
    }
    return pending;
  }
}
