import {
  PermissionApi,
  permissionApiRef,
} from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  environmentCreatePermission,
  environmentUpdatePermission,
} from '@envmesh/plugin-environments-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { ReactElement } from 'react';
import { decision } from '../../__testUtils__/renderWithApis';
import { PermittedButton } from './PermittedButton';

function renderWith(
  authorize: PermissionApi['authorize'],
  element: ReactElement,
) {
  return renderInTestApp(
    <TestApiProvider apis={[[permissionApiRef, { authorize }]]}>
      {element}
    </TestApiProvider>,
  );
}

describe('PermittedButton', () => {
  it('asks for the resource permission on the environment: enabled where allowed, disabled with the reason elsewhere', async () => {
    const authorize = jest.fn(async (request: { resourceRef?: string }) =>
      decision(request.resourceRef === 'mine'),
    );
    const onClick = jest.fn();
    await renderWith(
      authorize,
      <>
        <PermittedButton
          permission={environmentUpdatePermission}
          resourceRef="mine"
          intent="change this environment"
          onClick={onClick}
        >
          Change mine
        </PermittedButton>
        <PermittedButton
          permission={environmentUpdatePermission}
          resourceRef="theirs"
          intent="change this environment"
          onClick={onClick}
        >
          Change theirs
        </PermittedButton>
      </>,
    );

    const mine = screen.getByRole('button', { name: 'Change mine' });
    await waitFor(() => expect(mine).toBeEnabled());
    fireEvent.click(mine);
    expect(onClick).toHaveBeenCalledTimes(1);
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: environmentUpdatePermission,
        resourceRef: 'mine',
      }),
    );

    const theirs = screen.getByRole('button', { name: 'Change theirs' });
    await waitFor(() =>
      expect(theirs.closest('[title]')).toHaveAttribute(
        'title',
        'You are not allowed to change this environment (needs environments.environment.update)',
      ),
    );
    expect(theirs).toBeDisabled();
    fireEvent.click(theirs);
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('is disabled while the permission is checked, and says why when the check fails', async () => {
    let fail: (error: Error) => void = () => {};
    await renderWith(
      () =>
        new Promise((_resolve, reject) => {
          fail = reject;
        }),
      <PermittedButton
        permission={environmentCreatePermission}
        intent="create environments"
      >
        Create
      </PermittedButton>,
    );

    const button = screen.getByRole('button', { name: 'Create' });
    expect(button).toBeDisabled();
    expect(button.closest('[title]')).toHaveAttribute(
      'title',
      'Checking whether you may create environments',
    );

    fail(new Error('permission backend down'));
    await waitFor(() =>
      expect(button.closest('[title]')).toHaveAttribute(
        'title',
        'Could not check whether you may create environments: permission backend down',
      ),
    );
  });

  it('renders a link when given an address', async () => {
    await renderWith(
      async () => decision(true),
      <PermittedButton
        permission={{ ...environmentCreatePermission, name: 'other.create' }}
        intent="create things"
        to="/create/templates/default/x"
      >
        New
      </PermittedButton>,
    );

    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'New' })).toHaveAttribute(
        'href',
        '/create/templates/default/x',
      ),
    );
  });
});
