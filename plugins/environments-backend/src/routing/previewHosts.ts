import { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { DynamicClient, isApiStatus } from '../apply/DynamicClient';
import { LABELS, MANAGER } from '../apply/types';
import {
  DEFAULT_FEATURE_HEADER,
  ISTIO_API_VERSION,
  ROUTING_MANAGER,
  VirtualService,
} from './types';

/** What a feature's preview host is made of. */
export interface PreviewHostInput {
  namespace: string;
  environment: string;
  feature: string;
  /** `demo.net`: the preview host is `<feature>.demo.net`. */
  previewDomain: string;
  /** The Istio Gateway the host is bound to, `<namespace>/<name>`. */
  gateway: string;
  /** The front-end Service requests to the preview host go to. */
  service: string;
  /**
   * The front end's subset: the feature's own if it has an instance of the front end, `default` when the
   * front end has a DestinationRule (other features have instances), none when it has no DR at all.
   */
  subset?: string;
  /** The routing header (default `X-FEATURE-NAME`). */
  headerName?: string;
}

/** The preview host of a feature. */
export function previewHost(feature: string, previewDomain: string): string {
  return `${feature}.${previewDomain}`;
}

/** The name of the gateway-bound VirtualService of a feature's preview host. */
export function previewVirtualServiceName(feature: string): string {
  return `envmesh-preview-${feature}`.slice(0, 253);
}

/**
 * The gateway-bound VirtualService of a preview host: every request to `<feature>.<previewDomain>` gets the
 * routing header set to the feature (so each later hop routes by it) and goes to the front end.
 */
export function computePreviewVirtualService(
  input: PreviewHostInput,
): VirtualService {
  const header = input.headerName ?? DEFAULT_FEATURE_HEADER;
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: {
      name: previewVirtualServiceName(input.feature),
      namespace: input.namespace,
      labels: {
        [LABELS.managedBy]: MANAGER,
        [LABELS.environment]: input.environment,
        [LABELS.feature]: input.feature,
      },
    },
    spec: {
      hosts: [previewHost(input.feature, input.previewDomain)],
      gateways: [input.gateway],
      http: [
        {
          name: 'envmesh-preview',
          headers: {
            request: { set: { [header]: input.feature } },
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

/** Writes (server-side apply as `envmesh-routing`) or deletes preview VirtualServices. */
export class PreviewHostWriter {
  async write(
    client: DynamicClient,
    input: PreviewHostInput,
  ): Promise<VirtualService> {
    return (await client.patch(
      computePreviewVirtualService(input) as KubernetesObject,
      undefined,
      undefined,
      ROUTING_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    )) as VirtualService;
  }

  async remove(
    client: DynamicClient,
    namespace: string,
    feature: string,
  ): Promise<void> {
    try {
      await client.delete({
        apiVersion: ISTIO_API_VERSION,
        kind: 'VirtualService',
        metadata: { name: previewVirtualServiceName(feature), namespace },
      });
    } catch (error) {
      if (!isApiStatus(error, 404)) throw error;
    }
  }
}
