import Typography from '@material-ui/core/Typography';

/** Why Save is disabled while there is no preview of the current text. */
export const SaveHint = (props: { previewed: boolean }) =>
  props.previewed ? null : (
    <Typography variant="caption" color="textSecondary">
      Preview the diff of the current text to save it.
    </Typography>
  );
