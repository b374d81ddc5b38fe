import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  environmentCreatePermission,
  environmentSecretWritePermission,
  featureCreatePermission,
  featureDeletePermission,
} from '@envmesh/plugin-environments-common';
import type { EnvironmentReader } from '../queries/EnvironmentReader';
import {
  copyEnvironmentInput,
  createEnvironmentInput,
  parseInput,
} from '../requests/validation';

/** Only the name of a create or copy body: the resource a secret write is authorized on. */
const nameOfCreate = createEnvironmentInput.pick({ name: true });
const nameOfCopy = copyEnvironmentInput.pick({ name: true });

/** Who a mutation is recorded as done by: the user's entity ref, else the service's subject. */
export function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    userEntityRef?: string;
    subject?: string;
  };
  return principal.userEntityRef ?? principal.subject ?? 'unknown';
}

/** Whether a create or update body writes Secret values (which needs the secret write permission too). */
export function hasSecretValues(body: unknown): boolean {
  const secrets = (
    body as { config?: { secrets?: Array<{ values?: object }> } }
  )?.config?.secrets;
  return !!secrets?.some(s => s.values && Object.keys(s.values).length > 0);
}

/**
 * The permission checks of the mutations, shared by the REST API and the in-process EnvironmentsService so
 * that a caller is allowed the same through either. Each throws a NotAllowedError when a check is denied.
 */
export class MutationAuthorizer {
  readonly #permissions: PermissionsService;
  readonly #reader: Pick<EnvironmentReader, 'getEnvironment'>;

  constructor(options: {
    permissions: PermissionsService;
    reader: Pick<EnvironmentReader, 'getEnvironment'>;
  }) {
    this.#permissions = options.permissions;
    this.#reader = options.reader;
  }

  async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ): Promise<void> {
    const [decision] = await this.#permissions.authorize(
      [
        permission.type === 'resource'
          ? {
              permission: permission as ResourcePermission,
              resourceRef: resourceRef!,
            }
          : { permission: permission as BasicPermission },
      ],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `not allowed: ${permission.name}${
          resourceRef ? ` on ${resourceRef}` : ''
        }`,
      );
    }
  }

  /** `POST /environments`: create, and secret write on the new name when the body carries Secret values. */
  async createEnvironment(credentials: BackstageCredentials, body: unknown) {
    await this.authorize(credentials, environmentCreatePermission);
    if (hasSecretValues(body)) {
      const { name } = parseInput(nameOfCreate, body);
      await this.authorize(credentials, environmentSecretWritePermission, name);
    }
  }

  /** `POST /environments/:name/copy`: create, and secret write when the copy writes the source's Secrets. */
  async copyEnvironment(
    credentials: BackstageCredentials,
    source: string,
    body: unknown,
  ) {
    await this.authorize(credentials, environmentCreatePermission);
    const { config } = await this.#reader.getEnvironment(source);
    if (config.secrets.length > 0) {
      const { name } = parseInput(nameOfCopy, body);
      await this.authorize(credentials, environmentSecretWritePermission, name);
    }
  }

  /** `POST /features`. */
  async deployFeature(credentials: BackstageCredentials) {
    await this.authorize(credentials, featureCreatePermission);
  }

  /** `DELETE /features/:feature` and of its instances. */
  async removeFeature(credentials: BackstageCredentials) {
    await this.authorize(credentials, featureDeletePermission);
  }
}
