import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import yaml from 'js-yaml';
import { ConflictError } from '@backstage/errors';
import type { Caller, GuardedCommands } from '../access';
import type { FeatureCommands } from '../commands/FeatureCommands';
import type { EnvironmentStatusReader } from '../queries/EnvironmentStatusReader';

interface EnvironmentDefinition {
  metadata?: { name?: string; description?: string };
  spec?: Record<string, unknown> & {
    config?: {
      secrets?: Array<{ name: string; keys?: string[]; values?: object }>;
    };
  };
}

interface FeatureBranchDefinition {
  metadata?: { name?: string; description?: string };
  spec?: Record<string, unknown>;
}

interface SeederDeps {
  commands: GuardedCommands;
  status: Pick<EnvironmentStatusReader, 'listEnvironments'>;
  features: Pick<FeatureCommands, 'listFeatures'>;
  auth: AuthService;
  logger: LoggerService;
}

/** How long a seeded feature branch waits for its base environment's services to be deployed. */
const FEATURE_WAIT_MS = 15 * 60_000;

/**
 * Seeds a portal from files at startup (`environments.seed` config): imports services from a location,
 * creates each environment of the listed definition files (envmesh.io/v1alpha1 Environment) that does not
 * exist yet, then deploys each feature branch of the listed files (envmesh.io/v1alpha1 FeatureBranch) that does
 * not exist yet, once its base services are deployed. `make dev` uses it for the example environment and
 * feature branch; a platform team can use it to bootstrap.
 */
export class EnvironmentSeeder {
  static fromConfig(
    config: Config,
    options: SeederDeps,
  ): EnvironmentSeeder | undefined {
    const seed = config.getOptionalConfig('environments.seed');
    if (!seed) return undefined;
    return new EnvironmentSeeder(
      options,
      seed.getOptional('services'),
      seed.getOptionalStringArray('environments') ?? [],
      seed.getOptionalStringArray('features') ?? [],
      seed.getOptionalBoolean('generateSecretValues') ?? false,
    );
  }

  private constructor(
    private readonly deps: SeederDeps,
    private readonly services: unknown,
    private readonly environmentFiles: string[],
    private readonly featureFiles: string[],
    private readonly generateSecretValues: boolean,
  ) {}

  async run(): Promise<void> {
    // The seeder acts as the plugin's own service, through the same authorize-and-audit step as a user.
    const caller: Caller = {
      credentials: await this.deps.auth.getOwnServiceCredentials(),
      actor: 'envmesh:seed',
    };
    const { commands, logger } = this.deps;
    if (this.services) {
      const result = await commands.importServices(
        { source: this.services },
        caller,
      );
      logger.info(
        `seed: services created ${result.created.length}, updated ${result.updated.length}, unchanged ${result.unchanged.length}, failed ${result.failed.length}`,
      );
      for (const failure of result.failed) {
        logger.warn(
          `seed: service ${failure.name} failed to import: ${failure.error}`,
        );
      }
    }
    const existing = new Set(
      (await this.deps.status.listEnvironments()).map(e => e.name),
    );
    for (const file of this.environmentFiles) {
      const definition = yaml.load(
        await fs.readFile(file, 'utf8'),
      ) as EnvironmentDefinition;
      const name = definition.metadata?.name;
      if (!name || existing.has(name)) continue;
      const body = {
        ...definition.spec,
        name,
        description: definition.metadata?.description,
      };
      if (this.generateSecretValues) {
        for (const secret of definition.spec?.config?.secrets ?? []) {
          secret.values ??= Object.fromEntries(
            (secret.keys ?? []).map(key => [
              key,
              crypto.randomBytes(12).toString('base64url'),
            ]),
          );
        }
      }
      const operation = await commands.createEnvironment(body, caller);
      logger.info(
        `seed: creating environment ${name} (operation ${operation.id})`,
      );
    }
    await Promise.all(
      this.featureFiles.map(file => this.#seedFeature(file, caller)),
    );
  }

  async #seedFeature(file: string, caller: Caller) {
    const definition = yaml.load(
      await fs.readFile(file, 'utf8'),
    ) as FeatureBranchDefinition;
    const name = definition.metadata?.name;
    if (!name) return;
    const existing = await this.deps.features.listFeatures();
    if (existing.some(f => f.name === name)) return;
    const body = {
      ...definition.spec,
      name,
      description: definition.metadata?.description,
    };
    const deadline = Date.now() + FEATURE_WAIT_MS;
    for (;;) {
      try {
        const { operation } = await this.deps.commands.deployFeature(
          body,
          caller,
        );
        this.deps.logger.info(
          `seed: deploying feature branch ${name} (operation ${operation.id})`,
        );
        return;
      } catch (error) {
        // The base environment is still being created.
        if (!(error instanceof ConflictError) || Date.now() > deadline) {
          throw error;
        }
        await new Promise(resolve => setTimeout(resolve, 3000));
      }
    }
  }
}
