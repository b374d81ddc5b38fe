import { KubeConfig } from '@kubernetes/client-node';
import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { DynamicClient } from '../apply';
import {
  DEFAULT_SUBSET,
  MatchOptions,
  PreviewHostWriter,
  RoutingDriver,
  ServiceRoutingRef,
  routedPort,
} from '../routing';
import { instanceServiceName } from '../naming';
import type { KubeService } from '../routing/gatewayApiTypes';
import type { FeatureStore, InventoryObject, InventoryStore } from '../store';
import {
  DesiredState,
  hostRef,
  isolationMode,
  previewGateway,
  routingRefs,
} from '../desired';

/**
 * Where a feature's requests are routed: the hosts of a service (from its base release as rendered) and the
 * feature's preview host on the environment's gateway.
 */
export class FeatureHosts {
  readonly #previews: PreviewHostWriter;

  constructor(
    private readonly deps: {
      inventories: InventoryStore;
      features: FeatureStore;
      desired: DesiredState;
      routing: RoutingDriver;
      /** How feature requests are recognised, as the preview hosts set it. */
      match?: MatchOptions;
    },
  ) {
    this.#previews = new PreviewHostWriter(deps.routing.kind);
  }

  /**
   * The hosts a service's feature instances are routed on: the Services of its base release that select its
   * pods, each with the instance label its base pods carry (the `default` subset), as the release renders
   * them. A service no longer in the environment falls back to its stored inventory, to unroute it.
   */
  async routingTargets(
    env: EnvironmentSpec,
    service: string,
    kubeConfig: KubeConfig,
  ): Promise<Array<{ ref: ServiceRoutingRef; hasRouting: boolean }>> {
    const base = env.services.find(s => s.name === service);
    const refs = base
      ? routingRefs(
          this.deps.routing,
          env,
          service,
          (await this.deps.desired.service(env, base)).objects,
          kubeConfig,
        )
      : ((await this.deps.inventories.getInventory(env.name, service)) ?? [])
          .filter(
            (r: InventoryObject) =>
              r.kind === 'Service' && r.apiVersion === 'v1',
          )
          .map(r =>
            hostRef(this.deps.routing, env, service, kubeConfig, {
              host: r.name,
            }),
          );
    return Promise.all(
      refs.map(async ref => {
        const state = await this.deps.routing.read(ref);
        return { ref, hasRouting: state.hasRouting };
      }),
    );
  }

  /**
   * Writes the feature's preview host (or deletes it when the feature has no instance left). When this
   * operation changed the front end's instances, the front end's DestinationRule may have appeared or gone, so
   * every preview host of the environment is rewritten to pick the right subset.
   */
  async updatePreviewHosts(
    env: EnvironmentSpec,
    kubeConfig: KubeConfig,
    feature: string,
    steps: Array<{ service?: string }>,
  ): Promise<string> {
    const gateway = previewGateway(env);
    const frontEnd = env.previewService;
    if (!gateway || !frontEnd || !env.services.some(s => s.name === frontEnd)) {
      return 'the environment has no preview domain, gateway and service';
    }
    const client = DynamicClient.for(kubeConfig);
    const features = await this.deps.features.listFeatures({
      environment: env.name,
    });
    const touchedFrontEnd = steps.some(s => s.service === frontEnd);
    const targets = await this.routingTargets(env, frontEnd, kubeConfig);
    const frontEndHost = targets[0]?.ref.host ?? frontEnd;
    const hasRouting = targets.some(t => t.hasRouting);
    // The base Service selects base pods only: a feature's own front end is its instance Service.
    const byService = isolationMode(this.deps.routing, env) === 'service';
    // Gateway API backends name the Service's port.
    const port =
      this.deps.routing.kind === 'istio'
        ? undefined
        : routedPort(
            (await client.read({
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name: frontEndHost, namespace: env.namespace },
            })) as KubeService,
          );
    const written: string[] = [];
    for (const f of features) {
      if (f.name !== feature && !touchedFrontEnd) continue;
      if (!f.instances.length) {
        await this.#previews.remove(client, env.namespace, f.name);
        continue;
      }
      const own = f.instances.some(
        i => i.service === frontEnd && i.state === 'ready',
      );
      await this.#previews.write(client, {
        namespace: env.namespace,
        environment: env.name,
        feature: f.name,
        previewDomain: env.previewDomain!,
        gateway: { namespace: gateway.namespace, name: gateway.gateway.name },
        port,
        service:
          byService && own
            ? instanceServiceName(frontEndHost, f.name)
            : frontEndHost,
        subset: byService ? undefined : previewSubset(f.name, own, hasRouting),
        match: this.deps.match,
      });
      written.push(f.name);
    }
    if (!features.some(f => f.name === feature && f.instances.length)) {
      await this.#previews.remove(client, env.namespace, feature);
    }
    return written.length
      ? `preview host(s) for ${written.join(', ')}`
      : `no preview host for ${feature}`;
  }
}

/** The front end's subset a preview host routes to: the feature's own, else `default` if the front end is routed. */
function previewSubset(feature: string, own: boolean, routed: boolean) {
  if (own) return feature;
  return routed ? DEFAULT_SUBSET : undefined;
}
