import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { ReactNode } from 'react';

/**
 * The place of a list loaded from the backend: a progress bar while it loads, the error when loading failed,
 * `empty` when there are no items, else the items as `children` renders them.
 */
export function LoadedItems<T>(props: {
  /** The state of the load, as useAsync answers it. */
  state: { loading: boolean; error?: Error; value?: T[] };
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  const { loading, error, value } = props.state;
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.length) return <>{props.empty}</>;
  return <>{props.children(value)}</>;
}
