import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';
import { EnvironmentsApi } from '../../api';
import { Operation } from '../../api/types';
import {
  demoFeature,
  demoOperation,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { FeatureBranchPage } from './FeatureBranchPage';

jest.setTimeout(30_000);

/** demo-api's base moved two revisions (values changed) since the feature branch deployed it. */
const behind: FeatureBranchDetails = {
  ...demoFeature,
  behindBase: [
    {
      service: 'demo-api',
      deployedOnRevision: 3,
      currentRevision: 5,
      changed: ['values'],
    },
  ],
};

const redeployOperation = (state: Operation['state']): Operation => ({
  ...demoOperation(state, { done: state === 'succeeded' ? 3 : 0, total: 3 }),
  id: 'op-redeploy',
  type: 'deploy-feature',
  feature: 'feature-31337',
});

function render(api: Partial<EnvironmentsApi>, denied?: string[]) {
  return renderWithApis(<FeatureBranchPage name="feature-31337" />, {
    api,
    denied,
  });
}

const redeployButton = () =>
  screen.findByRole('button', { name: 'Redeploy onto current base' });

describe('a feature branch behind its base', () => {
  it('names the services whose base moved, and redeploys onto the current base until it is not behind', async () => {
    let redeployed = false;
    const redeployFeature = jest.fn(async () => redeployOperation('pending'));
    await render({
      getFeature: async () =>
        redeployed ? { ...behind, behindBase: [] } : behind,
      redeployFeature,
      getOperation: async () => {
        redeployed = true;
        return redeployOperation('succeeded');
      },
    });

    const list = await screen.findByRole('list', { name: 'Behind base' });
    expect(within(list).getByText('demo-api')).toBeInTheDocument();
    expect(
      within(list).getByText(
        'deployed on revision 3, base now revision 5 (values changed)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Behind base: 1 service\(s\) of demo-dev changed/),
    ).toBeInTheDocument();

    const button = await redeployButton();
    await waitFor(() => expect(button).toBeEnabled());
    fireEvent.click(button);
    await waitFor(() =>
      expect(redeployFeature).toHaveBeenCalledWith('feature-31337'),
    );
    // The operation is followed on the page, and once it is done the page reloads without the notice.
    expect(
      await screen.findByRole('progressbar', {
        name: 'Operation op-redeploy progress',
      }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.queryByRole('list', { name: 'Behind base' })).toBeNull(),
    );
    expect(screen.getByText('demo-api → feature-31337')).toBeInTheDocument();
  });

  it('shows nothing of it while the feature branch is on its current base', async () => {
    await render({ getFeature: async () => demoFeature });
    expect(
      await screen.findByText('demo-api → feature-31337'),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Behind base/)).toBeNull();
    expect(
      screen.queryByRole('button', { name: 'Redeploy onto current base' }),
    ).toBeNull();
  });

  it('disables the redeploy without the permission', async () => {
    await render({ getFeature: async () => behind }, [
      'environments.feature.create',
    ]);
    await waitFor(async () => expect(await redeployButton()).toBeDisabled());
  });

  it("shows the backend's reason when the redeploy is refused", async () => {
    await render({
      getFeature: async () => behind,
      redeployFeature: () =>
        responseError(
          409,
          'ConflictError',
          "environment 'demo-dev' is asleep; wake it before redeploying feature branches to it",
        ),
    });
    const button = await redeployButton();
    await waitFor(() => expect(button).toBeEnabled());
    fireEvent.click(button);
    expect(
      await screen.findByText(/is asleep; wake it before redeploying/),
    ).toBeInTheDocument();
  });
});
