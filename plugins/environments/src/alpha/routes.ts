import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The environments list page, for the new frontend system. */
export const rootRouteRef = createRouteRef();
