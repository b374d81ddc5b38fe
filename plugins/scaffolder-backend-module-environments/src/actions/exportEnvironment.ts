import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { examples } from './exportEnvironment.examples';
import { EnvironmentActionOptions } from './waitForOperation';

/**
 * Creates the `envmesh:environment:export` action: writes an environment as files into the workspace (its
 * `environment.yaml`, an `envmesh.io/v1alpha1` Environment document with Secrets as key names only, and
 * `manifests/`, the rendered objects as kustomizations), so that a template can publish them with the stock
 * `publish:*` actions for review, Argo CD or Flux.
 *
 * @public
 */
export function createEnvironmentExportAction(
  options: Pick<EnvironmentActionOptions, 'environments'>,
) {
  return createTemplateAction({
    id: 'envmesh:environment:export',
    description:
      'Writes an envmesh environment as files into the workspace: its Environment document and its rendered manifests as kustomizations',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('Name of the environment to export'),
        targetPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Folder of the workspace to write the files into; the workspace itself by default',
            ),
      },
      output: {
        files: z =>
          z
            .array(z.string())
            .describe('The files written, relative to the workspace'),
        environmentFile: z =>
          z
            .string()
            .describe(
              "The environment's Environment document, relative to the workspace",
            ),
      },
    },
    async handler(ctx) {
      const { name } = ctx.input;
      const targetPath = ctx.input.targetPath || '.';
      const target = resolveSafeChildPath(ctx.workspacePath, targetPath);
      const { files } = await options.environments.exportEnvironment(name, {
        credentials: await ctx.getInitiatorCredentials(),
      });
      const written: string[] = [];
      for (const file of files) {
        // A path from the backend, still kept inside the target folder.
        const destination = resolveSafeChildPath(target, file.path);
        await fs.mkdir(path.dirname(destination), { recursive: true });
        await fs.writeFile(destination, file.content);
        written.push(path.relative(ctx.workspacePath, destination));
      }
      const environmentFile = path.join(
        path.relative(ctx.workspacePath, target),
        'environment.yaml',
      );
      ctx.logger.info(
        `wrote ${written.length} files of environment '${name}' into ${
          targetPath === '.' ? 'the workspace' : targetPath
        }`,
      );
      ctx.output('files', written);
      ctx.output('environmentFile', environmentFile);
    },
  });
}
