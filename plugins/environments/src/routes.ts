import { createRouteRef } from '@backstage/core-plugin-api';

/**
 * The environments list page, for the legacy frontend system.
 *
 * @public
 */
export const rootRouteRef = createRouteRef({ id: 'environments' });
