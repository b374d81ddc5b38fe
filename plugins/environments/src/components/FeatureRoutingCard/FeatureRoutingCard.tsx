import { InfoCard } from '@backstage/core-components';
import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';

/** Up to this many services, every one gets its chip; above it, the ones falling back are summed up. */
const ROUTING_CHIPS_SHOWN = 12;

const RouteChip = (props: { service: string; target: string }) => {
  const toFeature = props.target !== 'default';
  return (
    <Chip
      label={`${props.service} → ${props.target}`}
      color={toFeature ? 'primary' : 'default'}
      variant={toFeature ? 'default' : 'outlined'}
    />
  );
};

/**
 * Which services answer for the feature (its instance) and which fall back to the base instance. A feature
 * usually replaces a few services of a large environment: past {@link ROUTING_CHIPS_SHOWN} services the card
 * shows the feature's services and counts the others ("N others fall back to default"), listed on demand.
 */
export const FeatureRoutingCard = ({
  feature,
}: {
  feature: FeatureBranchDetails;
}) => {
  const [showAll, setShowAll] = useState(false);
  const toFeature = feature.routing.filter(r => r.target === 'feature');
  const fallBack = feature.routing.filter(r => r.target !== 'feature');
  const collapsible =
    feature.routing.length > ROUTING_CHIPS_SHOWN && fallBack.length > 0;
  const summarize = collapsible && !showAll;

  return (
    <InfoCard
      title="Routing"
      subheader={`${feature.routingHeader}: ${feature.name} reaches these services`}
    >
      <Box display="flex" flexWrap="wrap" style={{ gap: 8 }}>
        {(summarize ? toFeature : feature.routing).map(r => (
          <RouteChip
            key={r.service}
            service={r.service}
            target={r.target === 'feature' ? feature.name : 'default'}
          />
        ))}
      </Box>
      {feature.routing.length === 0 && (
        <Typography variant="body2">No services to route.</Typography>
      )}
      {collapsible && (
        <Box mt={1} display="flex" alignItems="center" style={{ gap: 8 }}>
          {summarize && (
            <Typography variant="body2">
              {fallBack.length === 1
                ? '1 other falls back to default'
                : `${fallBack.length} others fall back to default`}
            </Typography>
          )}
          <Button size="small" onClick={() => setShowAll(!showAll)}>
            {showAll ? 'Show the feature services only' : 'Show all'}
          </Button>
        </Box>
      )}
    </InfoCard>
  );
};
