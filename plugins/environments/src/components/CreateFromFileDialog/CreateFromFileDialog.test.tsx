import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { CreateEnvironmentRequest } from '../../api/types';
import { demoOperation } from '../../testing/stubEnvironmentsApi';
import {
  CreateFromFileDialog,
  requestFromDocument,
} from './CreateFromFileDialog';

jest.setTimeout(30_000);

/** environment.yaml as GET /environments/{name}/export writes it (trimmed). */
const exported = `apiVersion: envmesh.io/v1alpha1
kind: Environment
metadata:
  name: demo-dev
  description: The demo services
spec:
  cluster: local
  namespace: demo-dev
  owner: group:default/platform-team
  services:
    - name: demo-api
      version: 1.2.0
  config:
    configMaps: []
    secrets:
      - name: db
        type: Opaque
        keys: [password]
`;

describe('requestFromDocument', () => {
  it('turns an exported document into a create request, and names what is wrong with anything else', () => {
    expect(requestFromDocument(exported)).toEqual({
      request: expect.objectContaining({
        name: 'demo-dev',
        description: 'The demo services',
        cluster: 'local',
        services: [{ name: 'demo-api', version: '1.2.0' }],
      }),
    });
    expect(requestFromDocument('kind: [')).toEqual({
      error: expect.stringMatching(/^Not YAML: /),
    });
    expect(requestFromDocument('kind: Component\n')).toEqual({
      error: expect.stringMatching(/^Not an exported environment/),
    });
  });
});

describe('CreateFromFileDialog', () => {
  it('creates an environment from the pasted document under the new name and namespace', async () => {
    const requests: CreateEnvironmentRequest[] = [];
    await renderWithApis(<CreateFromFileDialog onClose={() => {}} />, {
      api: {
        createEnvironment: async request => {
          requests.push(request);
          return {
            ...demoOperation('pending', { done: 0, total: 1 }),
            type: 'create',
            environment: request.name,
          };
        },
        getOperation: async () => ({
          ...demoOperation('running', { done: 0, total: 1 }),
          type: 'create',
          environment: 'demo-qa',
        }),
        getOperationLogs: async () => ({ items: [] }),
      },
    });
    const create = screen.getByRole('button', { name: 'Create' });
    expect(create).toBeDisabled();

    fireEvent.change(screen.getByLabelText('Environment document'), {
      target: { value: 'kind: Component\n' },
    });
    expect(
      screen.getByText(/^Not an exported environment/),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Environment document'), {
      target: { value: exported },
    });
    fireEvent.change(screen.getByLabelText(/^Name\s*\*?$/), {
      target: { value: 'demo-qa' },
    });
    expect(create).toBeEnabled();
    fireEvent.click(create);

    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0]).toMatchObject({
      name: 'demo-qa',
      namespace: 'demo-qa',
      cluster: 'local',
      owner: 'group:default/platform-team',
      config: {
        secrets: [{ name: 'db', type: 'Opaque', keys: ['password'] }],
      },
    });
  });
});
