import type {
  FeatureBranch,
  FeatureInstanceSpec,
  FeatureInstanceState,
} from '@envmesh/plugin-environments-common';

/**
 * What createFeature records; every instance starts `pending`.
 *
 * @internal
 */
export interface NewFeature
  extends Pick<
    FeatureBranch,
    'name' | 'environment' | 'owner' | 'description' | 'source' | 'expiresAt'
  > {
  instances: FeatureInstanceSpec[];
}

/**
 * What updateFeature changes: the instances given are added or replaced, the other fields set when given.
 *
 * @internal
 */
export type FeaturePatch = Partial<
  Pick<NewFeature, 'instances' | 'source' | 'expiresAt' | 'description'>
>;

/**
 * Feature branches and their instances (the desired state; the routing objects in the cluster hold which
 * features are routed), and the webhook deliveries already acted on.
 *
 * @internal
 */
export interface FeatureStore {
  /** Throws ConflictError if a feature branch of that name exists (in any environment). */
  createFeature(feature: NewFeature): Promise<FeatureBranch>;

  /** Adds or replaces instances (they become `pending`) and the fields given; others stay as they are. */
  updateFeature(name: string, patch: FeaturePatch): Promise<FeatureBranch>;

  getFeature(name: string): Promise<FeatureBranch | undefined>;

  listFeatures(options?: {
    environment?: string;
    expiredBefore?: Date;
  }): Promise<FeatureBranch[]>;

  /** Sets an instance's state, with why (a failure) and, once deployed, the base revision it was deployed onto. */
  setInstanceState(
    feature: string,
    service: string,
    state: FeatureInstanceState,
    details?: { message?: string; baseRevision?: number },
  ): Promise<void>;

  deleteInstances(feature: string, services: string[]): Promise<void>;

  /** Returns false if there was no such feature branch. */
  deleteFeature(name: string): Promise<boolean>;

  /** Records a webhook delivery; false if it was recorded before (a redelivery). */
  recordDelivery(provider: string, deliveryId: string): Promise<boolean>;

  /** Forgets one delivery, so that the provider's retry of a delivery that failed is acted on. */
  forgetDelivery(provider: string, deliveryId: string): Promise<void>;

  /** Forgets deliveries older than the given time; providers do not redeliver that late. */
  pruneDeliveries(before: Date): Promise<number>;
}
