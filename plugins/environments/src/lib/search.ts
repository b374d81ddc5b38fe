/** The search document types envmesh indexes. */
const ENVIRONMENT_DOCUMENT_TYPES = ['environment', 'feature-branch'];

/**
 * Whether a search result is an envmesh document: an `environment`, or a `feature-branch` once those are
 * indexed.
 *
 * @public
 */
export const isEnvironmentSearchResult = (result: { type: string }) =>
  ENVIRONMENT_DOCUMENT_TYPES.includes(result.type);
