import { apiErrorMessage, formatRef, mapSettled } from '../apply';
import type { InventoryStore } from '../store';
import { NamespaceWatchers } from '../watch';
import { recordOwnGenerations } from './ownGenerations';
import { RolloutExecutor, RolloutRun } from './rolloutPlan';
import { StartupGroups } from './StartupGroups';
import { SCALABLE_KINDS, WorkloadScaler } from './WorkloadScaler';

/**
 * sleep and wake: scales the Deployments and StatefulSets of every service and feature instance to zero, the
 * last startup group first, and back group by group, each group ready before the next one wakes.
 */
export class ScaleExecutor implements RolloutExecutor {
  constructor(
    private readonly deps: {
      inventories: InventoryStore;
      watchers: NamespaceWatchers;
      groups: StartupGroups;
      /** Workloads scaled at the same time. */
      parallelism: number;
    },
  ) {}

  async run({ spec, kubeConfig, context, steps }: RolloutRun) {
    const { groups, parallelism } = this.deps;
    const definitions = await groups.definitions();
    for (const step of steps) {
      if (step.kind === 'wait-ready') {
        await context.step(step.index, () =>
          groups.waitReady(spec, step.group, definitions, context, {
            instances: true,
          }),
        );
        continue;
      }
      if (step.kind !== 'scale-down' && step.kind !== 'scale-up') {
        throw new Error(`a sleep or wake has no step '${step.kind}'`);
      }
      const sleep = step.kind === 'scale-down';
      await context.step(step.index, async () => {
        const { workloads } = await groups.workloads(
          spec,
          step.group,
          definitions,
          { instances: true },
        );
        const scalable = workloads.filter(w => SCALABLE_KINDS.has(w.ref.kind));
        const results = await mapSettled(scalable, parallelism, ({ ref }) =>
          sleep
            ? WorkloadScaler.sleep(kubeConfig, ref)
            : WorkloadScaler.wake(kubeConfig, ref),
        );
        // envmesh's own scaling is not drift, after a restart either.
        await recordOwnGenerations(
          this.deps,
          spec,
          results.flatMap((r, i) =>
            r.status === 'fulfilled' && r.value.generation !== undefined
              ? [{ ...scalable[i], generation: r.value.generation }]
              : [],
          ),
        );
        const failed = results.flatMap((r, i) =>
          r.status === 'rejected'
            ? [
                `${scalable[i].service} (${formatRef(
                  scalable[i].ref,
                )}): ${apiErrorMessage(r.reason)}`,
              ]
            : [],
        );
        if (failed.length) {
          throw new Error(`scaling failed for ${failed.join('; ')}`);
        }
        const changed = results.filter(
          r => r.status === 'fulfilled' && r.value.changed,
        ).length;
        const done = sleep ? 'scaled to zero' : 'scaled back';
        await context.log(
          'info',
          `group ${step.group}: ${changed} of ${scalable.length} workload(s) ${done}`,
        );
        return `${changed} workload(s) ${done}`;
      });
    }
  }
}
