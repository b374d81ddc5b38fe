import { Link } from '@backstage/core-components';
import { ResultHighlight } from '@backstage/plugin-search-common';
import { HighlightedSearchResultText } from '@backstage/plugin-search-react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';

/**
 * An envmesh search document: the named fields the collators index (`title`, `text`, `location`, `kind`, and
 * `cluster`, `namespace`, `owner` for environments, `environment` for feature branches).
 */
interface EnvironmentDocument {
  title: string;
  text: string;
  location: string;
  kind?: string;
  cluster?: string;
  namespace?: string;
  owner?: string;
  environment?: string;
}

const KIND_LABELS: Record<string, string> = {
  environment: 'Environment',
  'feature-branch': 'Feature branch',
};

/**
 * Props of {@link EnvironmentSearchResultListItem}.
 *
 * @public
 */
export interface EnvironmentSearchResultListItemProps {
  icon?: ReactNode | ((result: any) => ReactNode);
  /** The search document: `title`, `text`, `location` and the collator's own fields. */
  result?: { title: string; text: string; location: string };
  highlight?: ResultHighlight;
  rank?: number;
  lineClamp?: number;
}

/**
 * A search result for an envmesh environment or feature branch: its name linking to its page, its text and
 * where it runs.
 */
export const EnvironmentSearchResultListItem = (
  props: EnvironmentSearchResultListItemProps,
) => {
  const { highlight, icon, lineClamp = 3 } = props;
  const result = props.result as EnvironmentDocument | undefined;
  if (!result) {
    return null;
  }
  const chips = [
    result.kind && KIND_LABELS[result.kind]
      ? `Type: ${KIND_LABELS[result.kind]}`
      : undefined,
    result.environment && `Environment: ${result.environment}`,
    result.cluster && `Cluster: ${result.cluster}`,
    result.namespace && `Namespace: ${result.namespace}`,
    result.owner && `Owner: ${result.owner}`,
  ].filter((chip): chip is string => Boolean(chip));
  /** A field as the search highlighted it, else as it is. */
  const highlighted = (field: 'title' | 'text') => {
    const text = highlight?.fields[field];
    return text ? (
      <HighlightedSearchResultText
        text={text}
        preTag={highlight.preTag}
        postTag={highlight.postTag}
      />
    ) : (
      result[field]
    );
  };

  return (
    <Box display="flex">
      {icon && (
        <ListItemIcon>
          {typeof icon === 'function' ? icon(result) : icon}
        </ListItemIcon>
      )}
      <Box flexWrap="wrap">
        <ListItemText
          style={{ width: '100%', wordBreak: 'break-all', marginBottom: 8 }}
          primaryTypographyProps={{ variant: 'h6' }}
          primary={
            <Link noTrack to={result.location}>
              {highlighted('title')}
            </Link>
          }
          secondary={
            <Typography
              component="span"
              variant="body2"
              color="textSecondary"
              style={{
                display: '-webkit-box',
                WebkitBoxOrient: 'vertical',
                WebkitLineClamp: lineClamp,
                overflow: 'hidden',
                whiteSpace: 'pre-line',
              }}
            >
              {highlighted('text')}
            </Typography>
          }
        />
        <Box display="flex" flexWrap="wrap" style={{ gap: 4 }}>
          {chips.map(chip => (
            <Chip key={chip} label={chip} size="small" />
          ))}
        </Box>
      </Box>
    </Box>
  );
};
