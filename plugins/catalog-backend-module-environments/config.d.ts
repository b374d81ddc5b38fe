import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /**
       * Configuration of the envmesh environments entity provider
       * (`@envmesh/plugin-catalog-backend-module-environments`).
       */
      envmesh?: {
        /**
         * How often to refresh the environment entities. Defaults to every 5 minutes, with a 3 minute
         * timeout.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        /**
         * How often each backend instance checks whether the environments changed, and replaces the
         * entities when they did (so new environments show within seconds, not at the next scheduled
         * refresh). A duration object such as `{ seconds: 10 }` (the default) or an ISO 8601 duration.
         */
        changeCheckInterval?:
          | {
              hours?: number;
              minutes?: number;
              seconds?: number;
              milliseconds?: number;
            }
          | string;
        /**
         * Entity ref of the system the environment resources belong to (`spec.system`). Left out when
         * not set.
         */
        system?: string;
      };
    };
  };
}
