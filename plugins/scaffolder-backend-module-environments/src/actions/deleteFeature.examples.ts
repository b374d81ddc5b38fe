import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Removes a feature branch: its routes first, then its instances, and waits until they are gone.',
    example: `steps:
  - id: delete
    name: Delete feature branch
    action: envmesh:feature:delete
    input:
      name: checkout-redesign
`,
  },
  {
    description:
      'Removes only the feature instance of one service; requests for the feature reach the base instance of it again.',
    example: `steps:
  - id: delete
    name: Remove demo-orders from the feature branch
    action: envmesh:feature:delete
    input:
      name: feature-1234
      services:
        - demo-orders
      timeoutMinutes: 10
`,
  },
  {
    description:
      'Starts the removal of a feature branch named by a template parameter without waiting.',
    example: `steps:
  - id: delete
    name: Delete feature branch
    action: envmesh:feature:delete
    input:
      name: \${{ parameters.name }}
      waitForReady: false
`,
  },
];
