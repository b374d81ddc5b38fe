import fs from 'node:fs';
import path from 'node:path';
import {
  createMockDirectory,
  mockCredentials,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { createEnvironmentExportAction } from './exportEnvironment';

const jane = mockCredentials.user('user:default/jane');

const files = [
  { path: 'environment.yaml', content: 'kind: Environment\n' },
  { path: 'manifests/kustomization.yaml', content: 'resources: [demo-api]\n' },
  {
    path: 'manifests/demo-api/deployment-demo-api.yaml',
    content: 'kind: Deployment\n',
  },
];

describe('envmesh:environment:export', () => {
  const workspace = createMockDirectory();

  function run(input: Record<string, unknown>, exported = files) {
    const exportEnvironment = jest.fn(async () => ({ files: exported }));
    const action = createEnvironmentExportAction({
      environments: environmentsServiceMock({ exportEnvironment }),
    });
    const ctx = {
      ...createMockActionContext({
        input: input as any,
        workspacePath: workspace.path,
      }),
      getInitiatorCredentials: async () => jane,
    };
    return { result: action.handler(ctx as any), ctx, exportEnvironment };
  }

  beforeEach(() => workspace.clear());

  it("writes the environment's files into a folder of the workspace, with the caller's credentials", async () => {
    const { result, ctx, exportEnvironment } = run({
      name: 'demo-dev',
      targetPath: 'environments/demo-dev',
    });
    await result;
    expect(exportEnvironment).toHaveBeenCalledWith('demo-dev', {
      credentials: jane,
    });
    const written = files.map(f => `environments/demo-dev/${f.path}`);
    for (const [index, file] of written.entries()) {
      expect(fs.readFileSync(path.join(workspace.path, file), 'utf8')).toBe(
        files[index].content,
      );
    }
    expect(ctx.output).toHaveBeenCalledWith('files', written);
    expect(ctx.output).toHaveBeenCalledWith(
      'environmentFile',
      'environments/demo-dev/environment.yaml',
    );
  });

  it('refuses a target outside the workspace, and a file that would land outside it', async () => {
    await expect(
      run({ name: 'demo-dev', targetPath: '../elsewhere' }).result,
    ).rejects.toThrow(/outside/);
    await expect(
      run({ name: 'demo-dev' }, [{ path: '../../escape.yaml', content: 'x' }])
        .result,
    ).rejects.toThrow(/outside/);
    expect(fs.existsSync(path.join(workspace.path, '..', 'escape.yaml'))).toBe(
      false,
    );
  });
});
