import { ServiceImporter, persistServiceImport } from '../registry';
import type { ServiceImportResult } from '../registry';
import { importSource } from '../requests/environmentSpec';
import { importServicesInput, parseInput } from '../requests/validation';
import type { ServiceRegistryStore } from '../store';

/** The services environments are made of: bulk imports from a repository of Helm charts, and the list. */
export class ServiceRegistry {
  constructor(
    private readonly deps: {
      registry: ServiceRegistryStore;
      importer: ServiceImporter;
    },
  ) {}

  async importServices(
    body: unknown,
  ): Promise<
    Pick<
      ServiceImportResult,
      'created' | 'updated' | 'unchanged' | 'failed' | 'missing'
    >
  > {
    const { source } = parseInput(importServicesInput, body);
    const existing = await this.deps.registry.listServices();
    const result = await this.deps.importer.importServices(
      importSource(source),
      { existing },
    );
    await persistServiceImport(this.deps.registry, result);
    return {
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      failed: result.failed,
      missing: result.missing,
    };
  }

  listServices() {
    return this.deps.registry.listServices();
  }
}
