import { PageWithHeader } from '@backstage/core-components';
import { Route, Routes, useParams } from 'react-router-dom';
import { EnvironmentPage } from '../EnvironmentPage';
import { EnvironmentsContent } from '../EnvironmentsContent';

const EnvironmentPageWithHeader = () => {
  const { name = '' } = useParams();
  return (
    <PageWithHeader themeId="tool" title={name} subtitle="Environment">
      <EnvironmentPage name={name} />
    </PageWithHeader>
  );
};

/**
 * The environments pages with their own headers, for the legacy frontend system: the list at the mount point
 * and one environment at `<mount point>/:name`.
 * The new frontend system renders EnvironmentsRoutes under the app's plugin header instead.
 */
export const EnvironmentsPage = () => (
  <Routes>
    <Route
      path="/"
      element={
        <PageWithHeader themeId="tool" title="Environments">
          <EnvironmentsContent />
        </PageWithHeader>
      }
    />
    <Route path="/:name" element={<EnvironmentPageWithHeader />} />
  </Routes>
);
