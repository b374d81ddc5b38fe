import { KubeConfig } from '@kubernetes/client-node';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  OperationType,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import type { StoredOperation } from '../store';
import type { OperationContext } from './OperationRunner';

/** One step of an environment operation, as planned and as its executor runs it. */
export type RolloutStep =
  | { kind: 'prepare' }
  | { kind: 'apply'; group: number; service: string }
  | { kind: 'wait-ready'; group: number }
  | { kind: 'prune' }
  | { kind: 'scale-down'; group: number }
  | { kind: 'scale-up'; group: number }
  | { kind: 'delete-services' }
  | { kind: 'delete-environment-objects' }
  | { kind: 'delete-namespace' };

/** A step as the store persists it: its name, and the group and service a step of one has. */
export interface PersistedStep {
  name: string;
  group?: number;
  service?: string;
}

// The persisted names: an operation resumed by another replica (or another version) reads its steps back by them.
const NAMES = {
  prepare: 'prepare namespace, config and resources',
  prune: 'remove services that left the environment',
  'delete-services': 'delete services',
  'delete-environment-objects': 'delete config and resources',
  'delete-namespace': 'delete namespace',
} as const;
const GROUP_NAMES = {
  'wait-ready': (group: number) => `wait for group ${group} to be ready`,
  'scale-down': (group: number) => `scale group ${group} to zero`,
  'scale-up': (group: number) => `scale group ${group} back up`,
} as const;

/** A service's startup group in an environment: the environment's override, else the registry's. */
export function startupGroupOf(
  spec: EnvironmentServiceSpec,
  definition: ServiceDefinition | undefined,
): number {
  return spec.startupGroup ?? definition?.startupGroup ?? 0;
}

/**
 * The steps of an operation on an environment with this spec, in order. create, update, copy and rollback
 * converge: namespace, config and resources first, then each startup group's services and a wait until they
 * are ready, then pruning of services that left. sleep scales the last group down first; wake scales group by
 * group, each ready before the next.
 */
export function planRollout(
  type: OperationType,
  spec: EnvironmentSpec,
  definitions: ReadonlyMap<string, ServiceDefinition>,
): RolloutStep[] {
  if (type === 'delete') {
    return [
      { kind: 'delete-services' },
      { kind: 'delete-environment-objects' },
      { kind: 'delete-namespace' },
    ];
  }
  const groups = new Map<number, string[]>();
  for (const service of spec.services) {
    const group = startupGroupOf(service, definitions.get(service.name));
    groups.set(group, [...(groups.get(group) ?? []), service.name]);
  }
  const order = [...groups.keys()].sort((a, b) => a - b);
  if (type === 'sleep') {
    return order.reverse().map(group => ({ kind: 'scale-down', group }));
  }
  if (type === 'wake') {
    return order.flatMap(group => [
      { kind: 'scale-up' as const, group },
      { kind: 'wait-ready' as const, group },
    ]);
  }
  return [
    { kind: 'prepare' },
    ...order.flatMap(group => [
      ...groups
        .get(group)!
        .sort()
        .map(service => ({ kind: 'apply' as const, group, service })),
      { kind: 'wait-ready' as const, group },
    ]),
    { kind: 'prune' },
  ];
}

/** The persisted form of a step. */
export function persistStep(step: RolloutStep): PersistedStep {
  switch (step.kind) {
    case 'apply':
      return {
        name: `apply ${step.service}`,
        group: step.group,
        service: step.service,
      };
    case 'wait-ready':
    case 'scale-down':
    case 'scale-up':
      return { name: GROUP_NAMES[step.kind](step.group), group: step.group };
    default:
      return { name: NAMES[step.kind] };
  }
}

/** A persisted step read back; throws for a name no version of envmesh plans. */
export function parseStep(step: PersistedStep): RolloutStep {
  if (step.service !== undefined) {
    return { kind: 'apply', group: step.group ?? 0, service: step.service };
  }
  for (const [kind, name] of Object.entries(NAMES)) {
    if (step.name === name) return { kind } as RolloutStep;
  }
  if (step.group !== undefined) {
    for (const [kind, name] of Object.entries(GROUP_NAMES)) {
      if (step.name === name(step.group)) {
        return { kind, group: step.group } as RolloutStep;
      }
    }
  }
  throw new Error(`unknown step '${step.name}'`);
}

/** A planned step with its index in the operation's persisted list. */
export type IndexedStep = RolloutStep & { index: number };

/** What an executor runs: one operation's steps on an environment, in order. */
export interface RolloutRun {
  operation: StoredOperation;
  spec: EnvironmentSpec;
  kubeConfig: KubeConfig;
  context: OperationContext;
  steps: IndexedStep[];
}

/** Runs the steps of one kind of operation (converge, sleep/wake, delete). */
export interface RolloutExecutor {
  run(run: RolloutRun): Promise<void>;
}
