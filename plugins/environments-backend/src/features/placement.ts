import { Config } from '@backstage/config';
import { V1Toleration } from '@kubernetes/client-node';

/** Where feature instances run: the dedicated feature nodes. */
export interface FeaturePlacement {
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
}

/** `environments.features.placement` (nodeSelector and tolerations), if configured. */
export function placementFromConfig(
  features: Config | undefined,
): FeaturePlacement | undefined {
  const placement = features?.getOptionalConfig('placement');
  if (!placement) return undefined;
  const nodeSelector =
    placement.getOptional<Record<string, string>>('nodeSelector');
  const tolerations = placement
    .getOptionalConfigArray('tolerations')
    ?.map(t => {
      const toleration: V1Toleration = {};
      for (const field of ['key', 'operator', 'value', 'effect'] as const) {
        const value = t.getOptionalString(field);
        if (value !== undefined) toleration[field] = value;
      }
      const seconds = t.getOptionalNumber('tolerationSeconds');
      if (seconds !== undefined) toleration.tolerationSeconds = seconds;
      return toleration;
    });
  return {
    ...(nodeSelector ? { nodeSelector } : {}),
    ...(tolerations ? { tolerations } : {}),
  };
}
