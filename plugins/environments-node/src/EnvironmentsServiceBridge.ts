import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { EnvironmentsService } from './EnvironmentsService';

/**
 * The in-process link between the environments backend plugin, which attaches its engine while it starts,
 * and the EnvironmentsService of other plugins: once the backend has started, `inProcess()` answers the
 * attached engine, or undefined when the environments plugin is not part of this backend (then callers use
 * the REST API).
 *
 * @public
 */
export class EnvironmentsServiceBridge {
  #settle: (engine: EnvironmentsService | undefined) => void = () => {};
  readonly #engine = new Promise<EnvironmentsService | undefined>(resolve => {
    this.#settle = resolve;
  });

  /** Called once by the environments backend plugin, in its init. */
  attach(engine: EnvironmentsService) {
    this.#settle(engine);
  }

  /** Called when every plugin of the backend has started: an engine not attached by then never will be. */
  started() {
    this.#settle(undefined);
  }

  /** The engine of this backend, waiting for the backend to start if it has not yet. */
  inProcess(): Promise<EnvironmentsService | undefined> {
    return this.#engine;
  }
}

/**
 * The one bridge of a backend, shared by all its plugins (root-scoped). The environments backend plugin
 * attaches itself to it; other plugins use `environmentsServiceRef`.
 *
 * @public
 */
export const environmentsServiceBridgeRef =
  createServiceRef<EnvironmentsServiceBridge>({
    id: 'envmesh.environments.bridge',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: { lifecycle: coreServices.rootLifecycle },
        factory: ({ lifecycle }) => {
          const bridge = new EnvironmentsServiceBridge();
          lifecycle.addStartupHook(() => bridge.started());
          return bridge;
        },
      }),
  });
