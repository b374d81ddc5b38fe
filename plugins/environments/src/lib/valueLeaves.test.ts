import { formatLeafValue, valueLeaves } from './valueLeaves';

describe('valueLeaves', () => {
  it('lists every leaf with the layer that set it', () => {
    expect(
      valueLeaves({
        values: {
          replicaCount: 2,
          image: { repository: 'registry.local/demo-api', tag: '1.4.0' },
          env: { LOG_LEVEL: 'debug' },
          args: ['--port', '8080'],
          podAnnotations: { 'envmesh.io/env': 'demo' },
          resources: {},
        },
        provenance: {
          replicaCount: 'environment',
          'image.repository': 'chart',
          'image.tag': 'override',
          'env.LOG_LEVEL': 'service',
          args: 'chart',
          'podAnnotations.envmesh\\.io/env': 'environment',
        },
      }),
    ).toEqual([
      { path: 'replicaCount', value: 2, layer: 'environment' },
      {
        path: 'image.repository',
        value: 'registry.local/demo-api',
        layer: 'chart',
      },
      { path: 'image.tag', value: '1.4.0', layer: 'override' },
      { path: 'env.LOG_LEVEL', value: 'debug', layer: 'service' },
      { path: 'args', value: ['--port', '8080'], layer: 'chart' },
      {
        path: 'podAnnotations.envmesh\\.io/env',
        value: 'demo',
        layer: 'environment',
      },
      { path: 'resources', value: {}, layer: undefined },
    ]);
  });

  it('has no leaves for empty values', () => {
    expect(valueLeaves({ values: {}, provenance: {} })).toEqual([]);
  });

  it('formats values', () => {
    expect(formatLeafValue('info')).toBe('info');
    expect(formatLeafValue(3)).toBe('3');
    expect(formatLeafValue(null)).toBe('null');
    expect(formatLeafValue(['a'])).toBe('["a"]');
  });
});
