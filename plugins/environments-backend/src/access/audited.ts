import {
  AuditorService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import type { Request } from 'express';
import { actorOf } from './authorization';

/** Who asks for a mutation or a read. */
export interface Caller {
  credentials: BackstageCredentials;
  /** The HTTP request, when the call came over REST: the audit event takes its actor details from it. */
  request?: Request;
  /**
   * Who the change is recorded as done by, when a service acts for a named part of envmesh (the push
   * webhooks, the seeder, the lifecycle task) rather than for a user; else the credentials' principal.
   */
  actor?: string;
}

/**
 * Runs a call inside an auditor event: who did what to which environment or feature branch, and how it ended.
 * `run` authorizes first, inside the event, so that a denied attempt is audited as failed too.
 */
export async function audited<T>(
  auditor: AuditorService,
  event: { eventId: string; severityLevel: 'low' | 'medium' },
  caller: Caller,
  target: Record<string, unknown>,
  run: (actor: string) => Promise<T>,
): Promise<T> {
  const actor = caller.actor ?? actorOf(caller.credentials);
  // Without a request the auditor records the plugin's own service as the actor: say for whom it acted.
  const meta = { ...target, actor };
  const auditing = await auditor.createEvent({
    ...event,
    request: caller.request,
    meta,
  });
  try {
    const result = await run(actor);
    await auditing.success({ meta });
    return result;
  } catch (error) {
    await auditing.fail({ error: error as Error, meta });
    throw error;
  }
}
