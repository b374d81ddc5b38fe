import type { Config } from '@backstage/config';
import type { CostPrices, CostSource } from '@envmesh/plugin-environments-node';

const FREE: CostPrices = { currency: 'USD', cpuHour: 0, memoryGiBHour: 0 };

/** Prices from `environments.cost.prices`: a cluster's own, else the default, else 0 (resource-hours only). */
export class ConfigCostSource implements CostSource {
  readonly #default: CostPrices;
  readonly #clusters: Map<string, CostPrices>;

  static fromConfig(config: Config): ConfigCostSource {
    const prices = config.getOptionalConfig('environments.cost.prices');
    const read = (c: Config): CostPrices => ({
      currency: c.getOptionalString('currency') ?? 'USD',
      cpuHour: c.getNumber('cpuHour'),
      memoryGiBHour: c.getNumber('memoryGiBHour'),
    });
    const defaults = prices?.getOptionalConfig('default');
    const clusters = prices?.getOptionalConfig('clusters');
    return new ConfigCostSource(
      defaults ? read(defaults) : FREE,
      new Map(
        (clusters?.keys() ?? []).map(name => [
          name,
          read(clusters!.getConfig(name)),
        ]),
      ),
    );
  }

  constructor(defaults: CostPrices, clusters: Map<string, CostPrices>) {
    this.#default = defaults;
    this.#clusters = clusters;
  }

  async pricesFor(cluster: string): Promise<CostPrices> {
    return this.#clusters.get(cluster) ?? this.#default;
  }
}
