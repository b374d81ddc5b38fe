/**
 * The envmesh environments plugin for the new frontend system.
 *
 * @packageDocumentation
 */

import { environmentsPlugin } from './alpha/plugin';

/** @alpha */
export default environmentsPlugin;
