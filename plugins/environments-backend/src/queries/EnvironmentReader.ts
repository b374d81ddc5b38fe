import { NotFoundError } from '@backstage/errors';
import yaml from 'js-yaml';
import {
  EnvironmentSpec,
  MergedValues,
} from '@envmesh/plugin-environments-common';
import { DesiredState } from '../desired';
import type { EnvironmentStore, RevisionStore } from '../store';
import { OperationQueries } from './OperationQueries';

/** The stored environment of that name; a NotFoundError when there is none. */
export async function requireEnvironment(
  environments: Pick<EnvironmentStore, 'getEnvironment'>,
  name: string,
) {
  const env = await environments.getEnvironment(name);
  if (!env) throw new NotFoundError(`no environment '${name}'`);
  return env;
}

/** The service of that name in the environment; a NotFoundError when it has none. */
function requireService(env: EnvironmentSpec, service: string) {
  const found = env.services.find(s => s.name === service);
  if (!found) {
    throw new NotFoundError(
      `environment '${env.name}' has no service '${service}'`,
    );
  }
  return found;
}

/** An environment's desired state as the API shows it: its spec, and each service's values, manifest and revisions. */
export class EnvironmentReader {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      revisions: RevisionStore;
      desired: DesiredState;
      operations: OperationQueries;
    },
  ) {}

  async getEnvironment(name: string) {
    const env = await requireEnvironment(this.deps.environments, name);
    return {
      ...env,
      lastOperation: await this.deps.operations.latestOperation(name),
    };
  }

  /** The merged values of a service, each leaf with the layer that set it. */
  async getServiceValues(name: string, service: string): Promise<MergedValues> {
    const env = await requireEnvironment(this.deps.environments, name);
    return this.deps.desired.values(env, requireService(env, service));
  }

  /** The objects envmesh applies for a service, as YAML documents. */
  async getServiceManifest(name: string, service: string): Promise<string> {
    const env = await requireEnvironment(this.deps.environments, name);
    const { objects } = await this.deps.desired.service(
      env,
      requireService(env, service),
    );
    return objects
      .map(o => yaml.dump(o, { noRefs: true, sortKeys: false }))
      .join('---\n');
  }

  async listRevisions(name: string, service?: string) {
    await requireEnvironment(this.deps.environments, name);
    return this.deps.revisions.listRevisions(name, service);
  }
}
