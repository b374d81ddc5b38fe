export { EnvironmentSearchResultListItem } from './EnvironmentSearchResultListItem';
export type { EnvironmentSearchResultListItemProps } from './EnvironmentSearchResultListItem';
