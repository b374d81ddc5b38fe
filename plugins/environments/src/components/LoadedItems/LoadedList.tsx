import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import { LoadedItems } from './LoadedItems';

/**
 * Loaded items as a dense list for a card: per item a primary line and, under it, a block of details; the
 * `empty` text in the list's place when there are none.
 */
export function LoadedList<T>(props: {
  state: { loading: boolean; error?: Error; value?: T[] };
  empty: ReactNode;
  'aria-label'?: string;
  itemKey: (item: T) => string;
  primary: (item: T) => ReactNode;
  secondary: (item: T) => ReactNode;
}) {
  const { itemKey, primary, secondary } = props;
  return (
    <LoadedItems
      state={props.state}
      empty={
        <Typography variant="body2" color="textSecondary">
          {props.empty}
        </Typography>
      }
    >
      {items => (
        <List dense disablePadding aria-label={props['aria-label']}>
          {items.map(item => (
            <ListItem key={itemKey(item)} disableGutters>
              <ListItemText
                primary={primary(item)}
                secondary={secondary(item)}
                secondaryTypographyProps={{ component: 'div' }}
              />
            </ListItem>
          ))}
        </List>
      )}
    </LoadedItems>
  );
}
