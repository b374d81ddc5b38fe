import type { EventsService } from '@backstage/plugin-events-node';
import {
  ENVIRONMENTS_OPERATIONS_TOPIC,
  EnvironmentsOperationEvent,
} from '@envmesh/plugin-environments-node';
import type { OperationEvents } from '../orchestrate/OperationEvents';
import type { StoredOperation } from '../store';

/** The names of an operation an event carries: what it is and what it changes, never a value. */
function about(operation: StoredOperation) {
  return {
    operationId: operation.id,
    type: operation.type,
    environment: operation.environment,
    ...(operation.feature ? { feature: operation.feature } : {}),
  };
}

/**
 * Announces every operation's start, finished steps and end on Backstage's events service (topic
 * {@link ENVIRONMENTS_OPERATIONS_TOPIC}), so that other plugins (the catalog provider, the search collators)
 * react at once instead of polling.
 */
export function publishOperationEvents(
  operationEvents: OperationEvents,
  events: EventsService,
) {
  const publish = (eventPayload: EnvironmentsOperationEvent) =>
    events.publish({ topic: ENVIRONMENTS_OPERATIONS_TOPIC, eventPayload });
  operationEvents.on('operationStarted', ({ operation, resumed }) =>
    publish({
      event: 'started',
      ...about(operation),
      state: 'running',
      resumed,
    }),
  );
  operationEvents.on('operationStepFinished', ({ operation, step }) =>
    publish({
      event: 'stepFinished',
      ...about(operation),
      state: 'running',
      step,
    }),
  );
  operationEvents.on('operationFinished', ({ operation, outcome }) =>
    publish({ event: 'finished', ...about(operation), state: outcome.state }),
  );
}
