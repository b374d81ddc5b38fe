import { WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  BehindBase,
  FeatureBranchDetails,
  featureCreatePermission,
} from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { useBusyAction } from '../../hooks/useBusyAction';
import { PermittedButton } from '../PermittedButton';

const howFar = (b: BehindBase) =>
  `deployed on revision ${b.deployedOnRevision}, base now revision ${
    b.currentRevision
  }${b.changed.length ? ` (${b.changed.join(', ')} changed)` : ''}`;

/**
 * The services whose base moved since the feature branch deployed them, and the one action that deploys every
 * instance again onto the current base; nothing while the feature branch is on its current base.
 */
export const BehindBaseNotice = (props: {
  feature: FeatureBranchDetails;
  /** Called with the started redeploy operation. */
  onStarted: (operation: Operation) => void;
  /** While an operation of the feature branch runs. */
  disabled?: boolean;
}) => {
  const { feature, onStarted, disabled } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const { busy: starting, error, run } = useBusyAction();
  if (!feature.behindBase.length) return null;

  const redeploy = () =>
    run(async () =>
      onStarted(await environmentsApi.redeployFeature(feature.name)),
    );

  return (
    <WarningPanel
      severity="info"
      title={`Behind base: ${feature.behindBase.length} service(s) of ${feature.environment} changed since the deploy`}
      defaultExpanded
    >
      <List dense aria-label="Behind base">
        {feature.behindBase.map(b => (
          <ListItem key={b.service}>
            <ListItemText primary={b.service} secondary={howFar(b)} />
          </ListItem>
        ))}
      </List>
      <Box mt={1}>
        <PermittedButton
          permission={featureCreatePermission}
          resourceRef={feature.name}
          intent="redeploy feature branches"
          variant="outlined"
          color="primary"
          disabled={disabled || starting}
          onClick={redeploy}
        >
          Redeploy onto current base
        </PermittedButton>
      </Box>
      {error && (
        <Box mt={1}>
          <Typography color="error">{error}</Typography>
        </Box>
      )}
    </WarningPanel>
  );
};
