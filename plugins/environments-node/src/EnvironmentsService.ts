import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';

/**
 * What other backend plugins (scaffolder, search, catalog modules) can ask of the environments engine, in
 * process.
 *
 * @public
 */
export interface EnvironmentsService {
  listEnvironments(): Promise<EnvironmentSummary[]>;
}

/**
 * The in-process link between the environments backend plugin, which attaches its engine when it starts,
 * and the modules of other plugins, whose calls wait until it has.
 *
 * @public
 */
export class EnvironmentsServiceBridge implements EnvironmentsService {
  #attached: (engine: EnvironmentsService) => void = () => {};
  readonly #engine = new Promise<EnvironmentsService>(resolve => {
    this.#attached = resolve;
  });
  readonly #timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Called once by the environments backend plugin. */
  attach(engine: EnvironmentsService) {
    this.#attached(engine);
  }

  async #get(): Promise<EnvironmentsService> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              'the envmesh environments backend plugin did not start; add @envmesh/plugin-environments-backend to the backend',
            ),
          ),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#engine, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async listEnvironments() {
    return (await this.#get()).listEnvironments();
  }
}

/**
 * The environments engine, for modules of other plugins. Root-scoped so that every plugin shares the one the
 * environments backend plugin attaches.
 *
 * @public
 */
export const environmentsServiceRef = createServiceRef<EnvironmentsServiceBridge>({
  id: 'envmesh.environments',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => new EnvironmentsServiceBridge(),
    }),
});
