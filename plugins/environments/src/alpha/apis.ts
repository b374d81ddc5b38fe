import { ApiBlueprint, coreApis } from '@backstage/frontend-plugin-api';
import { EnvironmentsClient, environmentsApiRef } from '../api';

export const environmentsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: environmentsApiRef,
      deps: { discoveryApi: coreApis.discovery, fetchApi: coreApis.fetch },
      factory: ({ discoveryApi, fetchApi }) =>
        new EnvironmentsClient({ discoveryApi, fetchApi }),
    }),
});
