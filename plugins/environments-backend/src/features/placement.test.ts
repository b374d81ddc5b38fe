import { ConfigReader } from '@backstage/config';
import { placementFromConfig } from './placement';

describe('placementFromConfig', () => {
  it('is undefined when nothing is configured', () => {
    expect(placementFromConfig(undefined)).toBeUndefined();
    expect(placementFromConfig(new ConfigReader({}))).toBeUndefined();
  });

  it('reads the node selector and the tolerations, leaving out unset fields', () => {
    expect(
      placementFromConfig(
        new ConfigReader({
          placement: {
            nodeSelector: { 'envmesh.io/node-pool': 'feature' },
            tolerations: [
              {
                key: 'envmesh.io/node-pool',
                operator: 'Equal',
                value: 'feature',
                effect: 'NoSchedule',
              },
              {
                key: 'spot',
                operator: 'Exists',
                effect: 'NoExecute',
                tolerationSeconds: 30,
              },
            ],
          },
        }),
      ),
    ).toEqual({
      nodeSelector: { 'envmesh.io/node-pool': 'feature' },
      tolerations: [
        {
          key: 'envmesh.io/node-pool',
          operator: 'Equal',
          value: 'feature',
          effect: 'NoSchedule',
        },
        {
          key: 'spot',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 30,
        },
      ],
    });
    expect(
      placementFromConfig(new ConfigReader({ placement: { tolerations: [] } })),
    ).toEqual({ tolerations: [] });
  });
});
