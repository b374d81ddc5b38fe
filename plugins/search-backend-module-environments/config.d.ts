import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  search?: {
    collators?: {
      /**
       * Configuration of the envmesh environments collator
       * (`@envmesh/plugin-search-backend-module-environments`).
       */
      environments?: {
        /**
         * How often to index environments. Defaults to every 10 minutes, with a 15 minute timeout and a
         * 3 second initial delay.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
      /**
       * Configuration of the envmesh feature branches collator
       * (`@envmesh/plugin-search-backend-module-environments`).
       */
      featureBranches?: {
        /**
         * How often to index feature branches. Defaults to every 10 minutes, with a 15 minute timeout and a
         * 3 second initial delay.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
