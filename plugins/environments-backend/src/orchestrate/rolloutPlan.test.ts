import {
  EnvironmentSpec,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import { parseStep, persistStep, planRollout } from './rolloutPlan';

const spec = {
  name: 'demo',
  services: [
    { name: 'web' },
    { name: 'db', startupGroup: 0 },
    { name: 'api' },
    { name: 'worker', startupGroup: 2 },
  ],
} as EnvironmentSpec;
// api's group comes from the registry; web has none anywhere (group 0).
const definitions = new Map([
  ['api', { name: 'api', startupGroup: 1 } as ServiceDefinition],
]);

describe('planRollout', () => {
  it('converges group by group: prepare, the group sorted, its wait, then prune', () => {
    expect(planRollout('update', spec, definitions).map(persistStep)).toEqual([
      { name: 'prepare namespace, config and resources' },
      { name: 'apply db', group: 0, service: 'db' },
      { name: 'apply web', group: 0, service: 'web' },
      { name: 'wait for group 0 to be ready', group: 0 },
      { name: 'apply api', group: 1, service: 'api' },
      { name: 'wait for group 1 to be ready', group: 1 },
      { name: 'apply worker', group: 2, service: 'worker' },
      { name: 'wait for group 2 to be ready', group: 2 },
      { name: 'remove services that left the environment' },
    ]);
  });

  it('sleeps the last group first and wakes group by group, each ready before the next', () => {
    expect(planRollout('sleep', spec, definitions)).toEqual([
      { kind: 'scale-down', group: 2 },
      { kind: 'scale-down', group: 1 },
      { kind: 'scale-down', group: 0 },
    ]);
    expect(planRollout('wake', spec, definitions).map(s => s.kind)).toEqual([
      'scale-up',
      'wait-ready',
      'scale-up',
      'wait-ready',
      'scale-up',
      'wait-ready',
    ]);
  });

  it.each(['create', 'sleep', 'wake', 'delete'] as const)(
    'reads back every step of a %s as planned',
    type => {
      const steps = planRollout(type, spec, definitions);
      expect(steps.map(persistStep).map(parseStep)).toEqual(steps);
    },
  );

  it('refuses a persisted step no version plans', () => {
    expect(() => parseStep({ name: 'reticulate splines' })).toThrow(
      "unknown step 'reticulate splines'",
    );
  });
});
