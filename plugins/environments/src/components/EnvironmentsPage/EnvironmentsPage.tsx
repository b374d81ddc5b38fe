import { PageWithHeader } from '@backstage/core-components';
import { EnvironmentsContent } from '../EnvironmentsContent';

/**
 * The environments page with its own header, for the legacy frontend system.
 * The new frontend system renders EnvironmentsContent under the app's plugin header instead.
 */
export const EnvironmentsPage = () => (
  <PageWithHeader themeId="tool" title="Environments">
    <EnvironmentsContent />
  </PageWithHeader>
);
