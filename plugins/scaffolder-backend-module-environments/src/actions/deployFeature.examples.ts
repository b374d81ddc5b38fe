import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Deploys a feature branch with a new image of one service beside demo-dev and waits until it is routed.',
    example: `steps:
  - id: deploy
    name: Deploy feature branch
    action: envmesh:feature:deploy
    input:
      name: checkout-redesign
      environment: demo-dev
      services:
        - service: demo-api
          imageTag: pr-42
`,
  },
  {
    description:
      'Deploys two services from a Git branch, recorded as the source, removed after 24 hours.',
    example: `steps:
  - id: deploy
    name: Deploy feature branch
    action: envmesh:feature:deploy
    input:
      name: feature-1234
      environment: demo-dev
      branch: feature/1234
      repository: acme/demo-api
      owner: group:default/team-a
      description: New payment flow
      ttlHours: 24
      services:
        - service: demo-api
          imageTag: feature-1234
        - service: demo-orders
          values:
            env:
              LOG_LEVEL: debug
`,
  },
  {
    description:
      "Names the feature after its branch by the push webhooks' rule (feature/checkout-redesign → checkout-redesign by default).",
    example: `steps:
  - id: deploy
    name: Deploy feature branch
    action: envmesh:feature:deploy
    input:
      environment: demo-dev
      branch: feature/checkout-redesign
      services:
        - demo-api
`,
  },
  {
    description:
      'Deploys the services a template user picked by name, and links to the feature branch page and its preview.',
    example: `steps:
  - id: deploy
    name: Deploy feature branch
    action: envmesh:feature:deploy
    input:
      name: \${{ parameters.name }}
      environment: \${{ parameters.environment }}
      branch: \${{ parameters.branch }}
      services: \${{ parameters.services }}
      ttlHours: \${{ parameters.ttlHours }}
output:
  links:
    - title: Open feature branch
      url: \${{ steps.deploy.output.featureUrl }}
`,
  },
  {
    description: 'Starts the deploy without waiting for it.',
    example: `steps:
  - id: deploy
    name: Deploy feature branch
    action: envmesh:feature:deploy
    input:
      name: quick-fix
      environment: demo-dev
      services:
        - demo-api
      waitForReady: false
`,
  },
];
