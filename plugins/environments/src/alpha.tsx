/**
 * The envmesh environments plugin for the new frontend system.
 *
 * @packageDocumentation
 */

import { environmentsPlugin } from './alpha/plugin';

export {
  entityEnvironmentsCard,
  entityEnvironmentsContent,
} from './alpha/entity';
export { environmentSearchResultListItem } from './alpha/search';
export { environmentsPage } from './alpha/pages';
export {
  envmeshClusterPickerFormField,
  envmeshServicesPickerFormField,
} from './scaffolder/alpha';

/** @alpha */
export default environmentsPlugin;
