import { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { OperationOutcome } from '../orchestrate/OperationEvents';
import type { FeatureStore, StoredOperation } from '../store';

/**
 * Who a push-started deploy tells how it went; kept in the operation's params (a plain record), so it
 * survives a restart.
 */
export type PushNotice = {
  /** Entity refs: the commit's author if the catalog knows them, else the component's owners. */
  recipients: string[];
  link: string;
  /** The short commit id. */
  commit: string;
};

/** A notice about a feature branch. */
export interface FeatureNoticePayload {
  title: string;
  description: string;
  severity: 'normal' | 'high';
}

/**
 * Tells people how feature deploys went, through Backstage notifications: once per finished deploy-feature,
 * success or failure, to the push's recipients for a push-started one and to the feature branch's owner for
 * any other. A cancelled deploy is not reported, nor one left to resume elsewhere (the runner does not report
 * it as finished).
 */
export class FeatureNotifier {
  constructor(
    private readonly deps: {
      notifications: NotificationService;
      features: FeatureStore;
      /** The portal's base URL, for links. */
      baseUrl: string;
      logger: LoggerService;
    },
  ) {}

  /** The feature-branch page. */
  link(feature: string): string {
    return `${this.deps.baseUrl}/feature-branches/${feature}`;
  }

  async operationFinished(
    operation: StoredOperation,
    outcome: OperationOutcome,
  ): Promise<void> {
    const feature = operation.feature;
    if (
      !feature ||
      operation.type !== 'deploy-feature' ||
      outcome.state === 'cancelled'
    ) {
      return;
    }
    const notice = operation.params.notice as PushNotice | undefined;
    const owner = (await this.deps.features.getFeature(feature))?.owner;
    const recipients = notice?.recipients ?? (owner ? [owner] : []);
    const subject = notice ? `${notice.commit}` : `Feature ${feature}`;
    await this.send(recipients, notice?.link ?? this.link(feature), {
      ...(outcome.state === 'succeeded'
        ? {
            title: `Feature ${feature} is deployed`,
            description: `${subject} is running in ${operation.environment}.`,
            severity: 'normal',
          }
        : {
            title: `Feature ${feature} failed to deploy`,
            description: `${subject}: ${outcome.error}`,
            severity: 'high',
          }),
    });
  }

  /** Sends a notice to entities (users or groups); a refused send is logged, never thrown. */
  async send(
    recipients: string[],
    link: string,
    payload: FeatureNoticePayload,
  ): Promise<void> {
    const entityRef = recipients.filter(isEntityRef);
    if (!entityRef.length) return;
    try {
      await this.deps.notifications.send({
        recipients: { type: 'entity', entityRef },
        payload: { ...payload, link, topic: 'envmesh-feature' },
      });
    } catch (error) {
      this.deps.logger.warn(`could not send a notification: ${error}`);
    }
  }
}

/** Owners can be actors that are no user or group (a service principal such as `envmesh:lifecycle`). */
export function isEntityRef(ref: string): boolean {
  try {
    return ['user', 'group'].includes(parseEntityRef(ref).kind.toLowerCase());
  } catch {
    return false;
  }
}
