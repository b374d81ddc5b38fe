import { RootConfigService } from '@backstage/backend-plugin-api';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { FeatureInstanceSpec } from '@envmesh/plugin-environments-common';
import { portalUrl, Zod } from './waitForOperation';

/** A feature branch name: a DNS label, as the engine requires. */
export const FEATURE_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** The feature branch's page in the portal. */
export function featureUrl(config: RootConfigService, name: string) {
  return portalUrl(config, `/feature-branches/${encodeURIComponent(name)}`);
}

/** The outputs both feature branch actions set. */
export const featureOutputSchema = {
  featureName: (z: Zod) => z.string().describe('Name of the feature branch'),
  operationId: (z: Zod) =>
    z
      .string()
      .describe(
        'Id of the deploy-feature or remove-feature operation (`dry-run` in dry runs)',
      ),
  featureUrl: (z: Zod) =>
    z
      .string()
      .describe(
        "URL of the feature branch's page in the portal: <app.baseUrl>/feature-branches/<name>",
      ),
  previewUrls: (z: Zod) =>
    z
      .array(z.string())
      .describe(
        'Preview URLs that reach the feature branch (empty when its base environment has no preview domain, or the feature branch is removed)',
      ),
};

/** Sets the outputs of featureOutputSchema. */
export function outputFeature(
  ctx: ActionContext<any, any>,
  outputs: {
    featureName: string;
    operationId: string;
    featureUrl: string;
    previewUrls: string[];
  },
) {
  for (const [name, value] of Object.entries(outputs)) {
    ctx.output(name, value);
  }
}

/** Feature instances as a list of service names or of `{ service, imageTag, values }`. */
export const instanceListSchema = (z: Zod) =>
  z
    .array(
      z.union([
        z.string().describe('Service of the base environment'),
        z.object({
          service: z.string().describe('Service of the base environment'),
          imageTag: z
            .string()
            .optional()
            .describe(
              "Image tag of the feature instance; the base environment's by default",
            ),
          // any, not unknown: the published action's input must be a JsonObject (see createEnvironment).
          values: z
            .record(z.any())
            .optional()
            .describe(
              "Helm values layered over the service's values in the base environment",
            ),
        }),
      ]),
    )
    .min(1);

type InstanceItem =
  | string
  | { service: string; imageTag?: string; values?: Record<string, unknown> };

/**
 * `['a', { service: 'b', imageTag: '2' }]` → `[{ service: 'a' }, { service: 'b', imageTag: '2' }]`, with
 * `imageTag` (if given) for the services given by name; empty image tags and values (unset template
 * parameters) are left out.
 */
export function toInstanceSpecs(
  services: InstanceItem[] | undefined,
  imageTag?: string,
): FeatureInstanceSpec[] {
  return (services ?? []).map(item => {
    if (typeof item === 'string') {
      return imageTag ? { service: item, imageTag } : { service: item };
    }
    const { service, values } = item;
    return {
      service,
      ...(item.imageTag ? { imageTag: item.imageTag } : {}),
      ...(values && Object.keys(values).length ? { values } : {}),
    };
  });
}

/** `demo-api:pr-42, demo-ui (with values)`. */
export function describeInstances(instances: FeatureInstanceSpec[]) {
  return instances
    .map(i => {
      const name = i.imageTag ? `${i.service}:${i.imageTag}` : i.service;
      return i.values ? `${name} (with values)` : name;
    })
    .join(', ');
}
