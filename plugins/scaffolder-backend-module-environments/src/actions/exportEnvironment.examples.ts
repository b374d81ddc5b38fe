import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Writes an environment as files into the workspace: environment.yaml and manifests/.',
    example: `steps:
  - id: export-environment
    name: Export environment
    action: envmesh:environment:export
    input:
      name: demo-dev
`,
  },
  {
    description:
      'Writes it into a folder of the workspace, for a repository that holds several environments.',
    example: `steps:
  - id: export-environment
    name: Export environment
    action: envmesh:environment:export
    input:
      name: demo-dev
      targetPath: environments/demo-dev
`,
  },
];
