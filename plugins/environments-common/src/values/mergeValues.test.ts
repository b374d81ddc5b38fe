import {
  formatValuesPath,
  keyValuesToObject,
  mergeValues,
  parseValuesPath,
} from './mergeValues';

describe('mergeValues', () => {
  const chart = {
    replicaCount: 1,
    image: { repository: 'example/demo-api', tag: '1.0.0' },
    env: { LOG_LEVEL: 'warn', PORT: '8080' },
    tolerations: [{ key: 'a' }],
    podAnnotations: {},
  };

  it('layers chart < environment < service < override, merging maps deeply', () => {
    const merged = mergeValues([
      { layer: 'chart', values: chart },
      {
        layer: 'environment',
        values: {
          env: { LOG_LEVEL: 'info', TRACING: 'true' },
          podAnnotations: { 'envmesh.io/env': 'demo-dev' },
        },
      },
      { layer: 'service', values: { env: { LOG_LEVEL: 'debug' } } },
      {
        layer: 'override',
        values: keyValuesToObject({ 'image.tag': '1.4.3' }),
      },
    ]);
    expect(merged.values).toEqual({
      replicaCount: 1,
      image: { repository: 'example/demo-api', tag: '1.4.3' },
      env: { LOG_LEVEL: 'debug', PORT: '8080', TRACING: 'true' },
      tolerations: [{ key: 'a' }],
      podAnnotations: { 'envmesh.io/env': 'demo-dev' },
    });
    expect(merged.provenance).toEqual({
      replicaCount: 'chart',
      'image.repository': 'chart',
      'image.tag': 'override',
      'env.LOG_LEVEL': 'service',
      'env.PORT': 'chart',
      'env.TRACING': 'environment',
      tolerations: 'chart',
      'podAnnotations.envmesh\\.io/env': 'environment',
    });
  });

  it('replaces lists instead of merging them', () => {
    const merged = mergeValues([
      { layer: 'chart', values: chart },
      {
        layer: 'environment',
        values: { tolerations: [{ key: 'b' }, { key: 'c' }] },
      },
    ]);
    expect(merged.values.tolerations).toEqual([{ key: 'b' }, { key: 'c' }]);
    expect(merged.provenance.tolerations).toBe('environment');
  });

  it('lets null remove a key and a map replace a scalar', () => {
    const merged = mergeValues([
      { layer: 'chart', values: chart },
      { layer: 'service', values: { image: null, replicaCount: { min: 1 } } },
    ]);
    expect(merged.values.image).toBeUndefined();
    expect(merged.provenance['image.tag']).toBeUndefined();
    expect(merged.values.replicaCount).toEqual({ min: 1 });
    expect(merged.provenance).toMatchObject({ 'replicaCount.min': 'service' });
    expect(merged.provenance.replicaCount).toBeUndefined();
  });

  it('drops the leaf of an empty map once a higher layer fills it', () => {
    const merged = mergeValues([
      { layer: 'chart', values: { env: {} } },
      { layer: 'environment', values: { env: { A: '1' } } },
    ]);
    expect(merged.provenance).toEqual({ 'env.A': 'environment' });
  });

  it('does not modify its inputs', () => {
    const input = structuredClone(chart);
    mergeValues([
      { layer: 'chart', values: input },
      { layer: 'service', values: { env: { LOG_LEVEL: 'x' } } },
    ]);
    expect(input).toEqual(chart);
  });
});

describe('values paths', () => {
  it('round-trips keys containing dots and backslashes', () => {
    const keys = ['podAnnotations', 'envmesh.io/env', 'a\\b'];
    expect(parseValuesPath(formatValuesPath(keys))).toEqual(keys);
  });

  it('builds nested objects from key/value overrides', () => {
    expect(
      keyValuesToObject({
        'image.tag': '2.0',
        'env.A': '1',
        'podAnnotations.envmesh\\.io/x': 'y',
      }),
    ).toEqual({
      image: { tag: '2.0' },
      env: { A: '1' },
      podAnnotations: { 'envmesh.io/x': 'y' },
    });
  });
});
