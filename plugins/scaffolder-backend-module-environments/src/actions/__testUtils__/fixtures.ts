import { mockServices } from '@backstage/backend-test-utils';
import {
  EnvironmentSummary,
  FeatureBranchDetails,
} from '@envmesh/plugin-environments-common';
import { OperationReport } from '@envmesh/plugin-environments-node';

type StepState = OperationReport['steps'][number]['state'];

/** An operation report of `environment` whose steps are in the given states. */
export function operation(
  state: OperationReport['state'],
  steps: Array<[name: string, state: StepState, message?: string]>,
  extra: Partial<OperationReport> = {},
): OperationReport {
  return {
    id: 'op-1',
    environment: 'team-a-dev',
    type: 'create',
    state,
    actor: 'user:default/mock',
    createdAt: '2026-01-01T00:00:00.000Z',
    cancelRequested: false,
    steps: steps.map(([name, stepState, message], index) => ({
      index,
      name,
      state: stepState,
      ...(message ? { message } : {}),
    })),
    progress: {
      done: steps.filter(([, s]) => s === 'succeeded' || s === 'skipped')
        .length,
      total: steps.length,
    },
    ...extra,
  };
}

/** A getOperation that answers each of the reports in turn, then keeps answering the last. */
export function progression(...reports: OperationReport[]) {
  let call = 0;
  return jest.fn(async (_id: string) => {
    const report = reports[Math.min(call, reports.length - 1)];
    call += 1;
    return report;
  });
}

/**
 * A checkpoint store like the scaffolder's task state: values are kept (as JSON) across runs of the same task,
 * failures are not.
 */
export function checkpointStore() {
  const values = new Map<string, string>();
  return {
    values,
    async checkpoint<T>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }): Promise<T> {
      const stored = values.get(opts.key);
      if (stored !== undefined) return JSON.parse(stored);
      const value = await opts.fn();
      values.set(opts.key, JSON.stringify(value ?? {}));
      return value;
    },
  };
}

export const config = mockServices.rootConfig({
  data: { app: { baseUrl: 'http://localhost:3000/' } },
});

/** A mock logger that also collects its info and error lines, in order (errors prefixed with `error: `). */
export function collectingLogger() {
  const lines: string[] = [];
  const logger = mockServices.logger.mock({
    info: message => {
      lines.push(message);
    },
    error: message => {
      lines.push(`error: ${message}`);
    },
  });
  return { logger, lines };
}

/** A feature branch of demo-dev with the given instances, all ready. */
export function featureBranch(
  name: string,
  services: string[],
  extra: Partial<FeatureBranchDetails> = {},
): FeatureBranchDetails {
  return {
    name,
    environment: 'demo-dev',
    owner: 'user:default/jane',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-04T00:00:00.000Z',
    instances: services.map(service => ({
      service,
      state: 'ready',
      updatedAt: '2026-01-01T00:00:00.000Z',
    })),
    previewUrls: [`http://${name}.demo.net`],
    behindBase: [],
    routingHeader: 'X-FEATURE-NAME',
    routing: services.map(service => ({ service, target: 'feature' })),
    ...extra,
  };
}

/** demo-dev as listEnvironments reports it. */
export const demoDev: EnvironmentSummary = {
  name: 'demo-dev',
  cluster: 'local',
  namespace: 'demo-dev',
  owner: 'group:default/platform-team',
  componentRefs: [],
  services: { total: 5, ready: 5 },
  sleepState: 'awake',
};
