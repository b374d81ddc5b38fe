import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Copies an environment to a new one on the same cluster and waits until it is ready.',
    example: `steps:
  - id: copy-environment
    name: Copy environment
    action: envmesh:environment:copy
    input:
      source: demo-dev
      name: demo-dev-copy
`,
  },
  {
    description:
      'Copies an environment to another cluster and owner, with a newer image of one service.',
    example: `steps:
  - id: copy-environment
    name: Copy environment
    action: envmesh:environment:copy
    input:
      source: demo-dev
      name: demo-staging
      cluster: staging
      namespace: demo-staging
      owner: group:default/platform-team
      description: Staging copy of demo-dev
      services:
        - name: demo-api
          imageTag: "2.0.0"
      timeoutMinutes: 60
`,
  },
  {
    description:
      'Starts the copy without waiting for its services to be ready.',
    example: `steps:
  - id: copy-environment
    name: Copy environment
    action: envmesh:environment:copy
    input:
      source: \${{ parameters.source }}
      name: \${{ parameters.name }}
      waitForReady: false
`,
  },
];
