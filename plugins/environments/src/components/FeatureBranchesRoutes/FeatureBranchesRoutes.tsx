import { Content, PageWithHeader } from '@backstage/core-components';
import { Route, Routes } from 'react-router-dom';
import { FeatureBranchPage } from '../FeatureBranchPage';
import { FeatureBranchesTable } from '../FeatureBranchesTable';

/** The feature-branch pages below their mount point: the list at `/`, one feature branch at `/:name`. */
export const FeatureBranchesRoutes = () => (
  <Routes>
    <Route
      path="/"
      element={
        <Content>
          <FeatureBranchesTable />
        </Content>
      }
    />
    <Route path="/:name" element={<FeatureBranchPage />} />
  </Routes>
);

/** The same pages with their own header, for the legacy frontend system. */
export const FeatureBranchesPageWithHeader = () => (
  <PageWithHeader themeId="tool" title="Feature branches">
    <FeatureBranchesRoutes />
  </PageWithHeader>
);
