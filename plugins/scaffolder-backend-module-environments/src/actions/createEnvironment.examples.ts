import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Creates an environment with two services and waits until it is ready.',
    example: `steps:
  - id: create-environment
    name: Create environment
    action: envmesh:environment:create
    input:
      name: team-a-dev
      cluster: local
      owner: group:default/team-a
      description: Development environment of team A
      services:
        - config-service
        - demo-api
`,
  },
  {
    description: 'Pins an image tag and sets Helm values for every service.',
    example: `steps:
  - id: create-environment
    name: Create environment
    action: envmesh:environment:create
    input:
      name: orders-perf
      cluster: local
      owner: group:default/platform-team
      services:
        - name: demo-orders
          imageTag: "1.4.2"
        - demo-payments
      globalValues:
        replicaCount: 2
      timeoutMinutes: 45
`,
  },
  {
    description:
      'Copies an existing environment (same versions and values), overriding the image of one service.',
    example: `steps:
  - id: create-environment
    name: Copy demo-dev
    action: envmesh:environment:create
    input:
      name: demo-dev-copy
      cluster: local
      owner: group:default/team-a
      copyFrom: demo-dev
      services:
        - name: demo-api
          imageTag: pr-42
`,
  },
  {
    description:
      'Starts the creation from template parameters without waiting for it, and links to the environment page.',
    example: `steps:
  - id: create-environment
    name: Create environment
    action: envmesh:environment:create
    input:
      name: \${{ parameters.name }}
      cluster: \${{ parameters.cluster }}
      owner: \${{ parameters.owner }}
      services: \${{ parameters.services }}
      waitForReady: false
output:
  links:
    - title: Open environment
      url: \${{ steps['create-environment'].output.environmentUrl }}
`,
  },
];
