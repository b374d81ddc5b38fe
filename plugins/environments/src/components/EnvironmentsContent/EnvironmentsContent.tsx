import { Content } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import { ClustersCard } from '../ClustersCard';
import { EnvironmentsTable } from '../EnvironmentsTable';

/**
 * The body of the environments page: the environments table and the clusters card, without a page header.
 */
export const EnvironmentsContent = () => (
  <Content>
    <Grid container spacing={3}>
      <Grid item xs={12} lg={9}>
        <EnvironmentsTable />
      </Grid>
      <Grid item xs={12} lg={3}>
        <ClustersCard />
      </Grid>
    </Grid>
  </Content>
);
