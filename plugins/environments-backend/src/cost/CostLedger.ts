import { InputError, NotFoundError } from '@backstage/errors';
import type { CostPrices, CostSource } from '@envmesh/plugin-environments-node';
import type { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import type { DesiredState } from '../desired';
import { requireEnvironment } from '../queries/EnvironmentReader';
import type {
  EnvironmentStore,
  FeatureStore,
  OperationStore,
  StoredEnvironment,
} from '../store';
import { awakeHours, SleepChange } from './awakeHours';
import { addRequests, NO_REQUESTS, Requests, requestsOf } from './requests';

const DAY = 86_400_000;
/** Enough of an environment's operations to hold its sleep history over any period asked for. */
const HISTORY = 10_000;

/** What some requests cost over some hours at some prices, rounded to cents. */
function priced(requests: Requests, hours: number, prices: CostPrices) {
  return (
    Math.round(
      (requests.cpu * prices.cpuHour +
        requests.memoryGiB * prices.memoryGiBHour) *
        hours *
        100,
    ) / 100
  );
}

const round = (n: number, places = 3) =>
  Math.round(n * 10 ** places) / 10 ** places;

function described(name: string, requests: Requests, cost: number) {
  return {
    name,
    pods: requests.pods,
    cpu: round(requests.cpu),
    memoryGiB: round(requests.memoryGiB),
    cost,
  };
}

/** A period from the `from` and `to` query parameters: ISO 8601 times, the last 7 days by default. */
function periodOf(query: { from?: string; to?: string }) {
  const parse = (field: 'from' | 'to', fallback: Date) => {
    const value = query[field];
    if (value === undefined) return fallback;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      throw new InputError(
        `${field}: '${value}' is not an ISO 8601 date and time`,
      );
    }
    return date;
  };
  const to = parse('to', new Date());
  const from = parse('from', new Date(to.getTime() - 7 * DAY));
  if (from >= to) throw new InputError(`to: must be after from`);
  return { from, to };
}

/**
 * What an environment and a feature branch cost: the CPU and memory their long-running workloads request (from
 * the desired state, replicas × containers' requests), priced by the cost source per cluster, over the hours of
 * a period the environment was awake (its sleep history: the sleep and wake operations that succeeded). The
 * saving of sleeping is what the asleep hours would have cost; the saving of a feature branch is what a full
 * copy of its base environment would cost beside it.
 */
export class CostLedger {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      features: FeatureStore;
      operations: OperationStore;
      desired: DesiredState;
      costs: CostSource;
    },
  ) {}

  async environmentCost(name: string, query: { from?: string; to?: string }) {
    const period = periodOf(query);
    const env = await requireEnvironment(this.deps.environments, name);
    const [hours, prices, services] = await Promise.all([
      this.#hours(env, period),
      this.deps.costs.pricesFor(env.cluster),
      this.#serviceRequests(env),
    ]);
    const total = services.reduce(
      (sum, s) => addRequests(sum, s.requests),
      NO_REQUESTS,
    );
    const cost = priced(total, hours.awake, prices);
    const saved = priced(total, hours.asleep, prices);
    return {
      environment: env.name,
      cluster: env.cluster,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      prices,
      awakeHours: round(hours.awake),
      asleepHours: round(hours.asleep),
      ...described(env.name, total, cost),
      sleepSaving: {
        cost: saved,
        ratio: saved + cost > 0 ? round(saved / (saved + cost)) : 0,
      },
      services: services.map(s =>
        described(s.name, s.requests, priced(s.requests, hours.awake, prices)),
      ),
    };
  }

  async featureCost(name: string, query: { from?: string; to?: string }) {
    const period = periodOf(query);
    const feature = await this.deps.features.getFeature(name);
    if (!feature) throw new NotFoundError(`no feature branch '${name}'`);
    const env = await requireEnvironment(
      this.deps.environments,
      feature.environment,
    );
    const [hours, prices, base] = await Promise.all([
      this.#hours(env, period),
      this.deps.costs.pricesFor(env.cluster),
      this.#serviceRequests(env),
    ]);
    const instances = await Promise.all(
      feature.instances.flatMap(instance => {
        const service = env.services.find(s => s.name === instance.service);
        return service
          ? [
              this.deps.desired
                .instance(env, service, instance, { feature: feature.name })
                .then(release => ({
                  name: instance.service,
                  requests: requestsOf(release.objects),
                })),
            ]
          : [];
      }),
    );
    const total = instances.reduce(
      (sum, i) => addRequests(sum, i.requests),
      NO_REQUESTS,
    );
    const cost = priced(total, hours.awake, prices);
    const fullCopy = priced(
      base.reduce((sum, s) => addRequests(sum, s.requests), NO_REQUESTS),
      hours.awake,
      prices,
    );
    return {
      feature: feature.name,
      environment: env.name,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      prices,
      awakeHours: round(hours.awake),
      ...described(feature.name, total, cost),
      instances: instances.map(i =>
        described(i.name, i.requests, priced(i.requests, hours.awake, prices)),
      ),
      // Against a full copy of the base environment, the way a branch environment would run it.
      fullCopyCost: fullCopy,
      saving: {
        cost: round(fullCopy - cost, 2),
        ratio: fullCopy > 0 ? round(1 - cost / fullCopy) : 0,
      },
    };
  }

  async #hours(env: StoredEnvironment, period: { from: Date; to: Date }) {
    const operations = await this.deps.operations.listOperations({
      environment: env.name,
      limit: HISTORY,
    });
    const changes = operations.flatMap((op): SleepChange[] => {
      if (op.feature || !op.finishedAt) return [];
      const at = new Date(op.finishedAt);
      if (op.state === 'succeeded' && op.type === 'sleep') {
        return [{ at, asleep: true }];
      }
      // A change that woke its sleeping environment first left it awake, however the change ended.
      if (
        (op.state === 'succeeded' && op.type === 'wake') ||
        op.params.wokeFirst
      ) {
        return [{ at, asleep: false }];
      }
      return [];
    });
    return awakeHours({
      createdAt: new Date(env.createdAt),
      changes,
      ...period,
    });
  }

  #serviceRequests(env: EnvironmentSpec) {
    return Promise.all(
      env.services.map(async service => ({
        name: service.name,
        requests: requestsOf(
          (await this.deps.desired.service(env, service)).objects,
        ),
      })),
    );
  }
}
