import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import Typography from '@material-ui/core/Typography';
import { useCallback, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { Operation, Revision } from '../../api/types';
import { OperationDialog } from '../OperationDialog';

const describe = (revision: Revision, current?: number) =>
  `Revision ${revision.revision}${
    revision.imageTag ? ` · ${revision.imageTag}` : ''
  } · ${revision.actor} · ${new Date(revision.createdAt).toLocaleString()}${
    revision.revision === current ? ' (current)' : ''
  }`;

/**
 * Rolls one service of an environment back to one of its revisions (its image tag and merged values), then
 * follows the `rollback` operation.
 */
export const RollbackDialog = (props: {
  name: string;
  service: string;
  /** The service's latest revision. */
  currentRevision?: number;
  onClose: (started?: Operation) => void;
  onFinished?: (operation: Operation) => void;
}) => {
  const { name, service, currentRevision, onClose, onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const revisions = useAsync(
    () => environmentsApi.listRevisions(name, service),
    [environmentsApi, name, service],
  );
  const [selected, setSelected] = useState<number>();

  const submit = useCallback(
    () => environmentsApi.rollbackService(name, service, selected!),
    [environmentsApi, name, service, selected],
  );

  const items = revisions.value?.items ?? [];
  let content;
  if (revisions.loading) {
    content = <Progress />;
  } else if (revisions.error) {
    content = <ResponseErrorPanel error={revisions.error} />;
  } else if (items.length === 0) {
    content = (
      <Typography variant="body2">
        {service} has no revisions yet: it has not been deployed.
      </Typography>
    );
  } else {
    content = (
      <RadioGroup
        aria-label="Revisions"
        name={`revisions-${service}`}
        value={selected === undefined ? '' : String(selected)}
        onChange={e => setSelected(Number(e.target.value))}
      >
        {items.map(revision => (
          <FormControlLabel
            key={revision.revision}
            value={String(revision.revision)}
            control={<Radio />}
            label={describe(revision, currentRevision)}
            disabled={revision.revision === currentRevision}
          />
        ))}
      </RadioGroup>
    );
  }

  return (
    <OperationDialog
      open
      title={`Roll back ${service}`}
      submitLabel="Roll back"
      canSubmit={selected !== undefined}
      onSubmit={submit}
      onFinished={onFinished}
      onClose={onClose}
    >
      {content}
    </OperationDialog>
  );
};
