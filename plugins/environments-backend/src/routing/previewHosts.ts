import { KubernetesObject } from '@kubernetes/client-node';
import { DynamicClient, isApiStatus } from '../apply/DynamicClient';
import { LABELS, MANAGER } from '../apply/types';
import { GATEWAY_API_VERSION, GatewayHTTPRoute } from './gatewayApiTypes';
import type { RoutingDriverKind } from './RoutingDriver';
import { applyAsRouting } from './routingObjects';
import {
  previewHeaderOperations,
  toRequestHeaderModifier,
} from './headerOperations';
import { ISTIO_API_VERSION, MatchOptions, VirtualService } from './types';

/** What a feature's preview host is made of. */
export interface PreviewHostInput {
  namespace: string;
  environment: string;
  feature: string;
  /** `demo.net`: the preview host is `<feature>.demo.net`. */
  previewDomain: string;
  /** The gateway the host is bound to. */
  gateway: { namespace: string; name: string };
  /** The front-end Service requests to the preview host go to. */
  service: string;
  /** The Service port (Gateway API backends need it). */
  port?: number;
  /**
   * The front end's subset: the feature's own if it has an instance of the front end, `default` when the
   * front end has a DestinationRule (other features have instances), none when it has no DR at all.
   */
  subset?: string;
  /** How feature requests are recognised: the header the host sets, and whether it adds the baggage member. */
  match?: MatchOptions;
}

/** The preview host of a feature. */
export function previewHost(feature: string, previewDomain: string): string {
  return `${feature}.${previewDomain}`;
}

/** The name of the gateway-bound VirtualService of a feature's preview host. */
function previewVirtualServiceName(feature: string): string {
  return `envmesh-preview-${feature}`.slice(0, 253);
}

/**
 * The gateway-bound VirtualService of a preview host: every request to `<feature>.<previewDomain>` gets the
 * routing header set to the feature (and, with baggage routing, the feature's baggage member added), so each
 * later hop routes by it, and goes to the front end.
 */
function computePreviewVirtualService(input: PreviewHostInput): VirtualService {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: previewMetadata(input),
    spec: {
      hosts: [previewHost(input.feature, input.previewDomain)],
      gateways: [`${input.gateway.namespace}/${input.gateway.name}`],
      http: [
        {
          name: 'envmesh-preview',
          headers: {
            request: previewHeaderOperations(input.feature, input.match),
          },
          route: [
            {
              destination: {
                host: input.service,
                ...(input.subset ? { subset: input.subset } : {}),
              },
            },
          ],
        },
      ],
    },
  };
}

function previewMetadata(input: PreviewHostInput) {
  return {
    name: previewVirtualServiceName(input.feature),
    namespace: input.namespace,
    labels: {
      [LABELS.managedBy]: MANAGER,
      [LABELS.environment]: input.environment,
      [LABELS.feature]: input.feature,
    },
  };
}

/**
 * The same for the `gateway-api` driver: an HTTPRoute attached to the environment's Gateway API Gateway for
 * `<feature>.<previewDomain>`, changing the headers the same way (RequestHeaderModifier) and sending to the
 * front end's Service (its instance Service when the feature has one).
 */
function computePreviewHttpRoute(input: PreviewHostInput): GatewayHTTPRoute {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: previewMetadata(input),
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: input.gateway.name,
          namespace: input.gateway.namespace,
        },
      ],
      hostnames: [previewHost(input.feature, input.previewDomain)],
      rules: [
        {
          filters: [
            toRequestHeaderModifier(
              previewHeaderOperations(input.feature, input.match),
            ),
          ],
          backendRefs: [{ name: input.service, port: input.port }],
        },
      ],
    },
  };
}

/**
 * Writes (server-side apply as `envmesh-routing`) or deletes preview hosts: VirtualServices for the Istio
 * driver, HTTPRoutes for the Gateway API driver.
 */
export class PreviewHostWriter {
  constructor(private readonly driver: RoutingDriverKind = 'istio') {}

  async write(client: DynamicClient, input: PreviewHostInput): Promise<void> {
    await applyAsRouting(
      client,
      (this.driver === 'istio'
        ? computePreviewVirtualService(input)
        : computePreviewHttpRoute(input)) as KubernetesObject,
    );
  }

  async remove(
    client: DynamicClient,
    namespace: string,
    feature: string,
  ): Promise<void> {
    try {
      await client.delete({
        ...(this.driver === 'istio'
          ? { apiVersion: ISTIO_API_VERSION, kind: 'VirtualService' }
          : { apiVersion: GATEWAY_API_VERSION, kind: 'HTTPRoute' }),
        metadata: { name: previewVirtualServiceName(feature), namespace },
      });
    } catch (error) {
      if (!isApiStatus(error, 404)) throw error;
    }
  }
}
