import { Route, Routes } from 'react-router-dom';
import { EnvironmentPage } from '../EnvironmentPage';
import { EnvironmentsContent } from '../EnvironmentsContent';

/**
 * The pages of the plugin below its mount point, without page headers (the new frontend system adds the
 * plugin's header): the list at `/` and one environment at `/:name`.
 */
export const EnvironmentsRoutes = () => (
  <Routes>
    <Route path="/" element={<EnvironmentsContent />} />
    <Route path="/:name" element={<EnvironmentPage />} />
  </Routes>
);
