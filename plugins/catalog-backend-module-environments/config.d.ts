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
         * Entity ref of the system the environment resources belong to (`spec.system`). Left out when
         * not set.
         */
        system?: string;
      };
    };
  };
}
