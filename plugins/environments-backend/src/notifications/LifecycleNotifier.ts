import { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { PlannedAction } from '../lifecycle';
import { isEntityRef } from './FeatureNotifier';

/** What a lifecycle notice is about. */
export interface LifecycleTarget {
  kind: 'environment' | 'feature';
  name: string;
  owner: string;
}

const REASONS: Record<PlannedAction['reason'], string> = {
  schedule: 'its sleep schedule',
  idle: 'no activity',
  ttl: 'its time to live running out',
};

/**
 * Tells owners, through Backstage notifications, of an automatic sleep or deletion coming, with a link to
 * the page where they can wake, extend or keep it.
 */
export class LifecycleNotifier {
  constructor(
    private readonly deps: {
      notifications: NotificationService;
      /** The portal's base URL, for links. */
      baseUrl: string;
      logger: LoggerService;
    },
  ) {}

  async announce(target: LifecycleTarget, action: PlannedAction) {
    if (!isEntityRef(target.owner)) return;
    const what =
      target.kind === 'environment'
        ? `Environment ${target.name}`
        : `Feature branch ${target.name}`;
    const when = `${action.at
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ')} UTC`;
    const verb = action.action === 'sleep' ? 'sleep' : 'be deleted';
    const remedy =
      target.kind === 'environment'
        ? 'Wake it, keep it awake until later, or keep it on its page.'
        : 'Extend it on its page to keep it.';
    try {
      await this.deps.notifications.send({
        recipients: { type: 'entity', entityRef: [target.owner] },
        payload: {
          title: `${what} will ${verb} at ${when}`,
          description: `Because of ${REASONS[action.reason]}. ${remedy}`,
          link: `${this.deps.baseUrl}/${
            target.kind === 'environment' ? 'environments' : 'feature-branches'
          }/${target.name}`,
          severity: action.action === 'delete' ? 'high' : 'normal',
          topic: 'envmesh-lifecycle',
        },
      });
    } catch (error) {
      this.deps.logger.warn(`could not send a notification: ${error}`);
    }
  }
}
