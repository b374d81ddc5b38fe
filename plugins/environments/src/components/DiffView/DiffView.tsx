import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { DiffEntry, DiffResult } from '../../api/types';

const describeChanges = (changes: DiffEntry[]) =>
  changes
    .map(
      c =>
        `${c.action} ${c.ref.kind} ${c.ref.name}${
          c.changes?.length ? ` (${c.changes.join(', ')})` : ''
        }${c.error ? `: ${c.error}` : ''}`,
    )
    .join('; ');

/**
 * What an update would change, of the environment's own objects and per service, as
 * `POST /environments/{name}/diff` answers it.
 */
export const DiffView = ({ diff }: { diff: DiffResult }) => {
  const own = diff.environment.changes;
  if (
    own.length === 0 &&
    diff.services.length === 0 &&
    diff.removed.length === 0
  ) {
    return <Typography variant="body2">Nothing would change.</Typography>;
  }
  return (
    <List dense aria-label="Changes">
      {own.length > 0 && (
        <ListItem key="environment" disableGutters>
          <ListItemText
            primary="Environment (config and resources)"
            secondary={describeChanges(own)}
          />
        </ListItem>
      )}
      {diff.services.map(service => (
        <ListItem key={service.name} disableGutters>
          <ListItemText
            primary={service.name}
            secondary={describeChanges(service.changes)}
          />
        </ListItem>
      ))}
      {diff.removed.map(service => (
        <ListItem key={`removed-${service}`} disableGutters>
          <ListItemText primary={service} secondary="would be removed" />
        </ListItem>
      ))}
    </List>
  );
};
