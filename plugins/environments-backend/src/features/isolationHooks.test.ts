import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { featureSchemaName, isolationHooksFromConfig } from './isolationHooks';

const ctx = {
  environment: 'shop-dev',
  namespace: 'shop-dev-ns',
  service: 'demo-api',
  feature: 'feature-31337',
};

const hooksFrom = (isolation: unknown) =>
  isolationHooksFromConfig(
    new ConfigReader({ environments: { features: { isolation } } } as any),
  );

describe('featureSchemaName', () => {
  it('is <service>_<feature> in [a-z0-9_]', () => {
    expect(featureSchemaName('demo-api', 'feature-31337')).toBe(
      'demo_api_feature_31337',
    );
    expect(featureSchemaName('Demo.API', 'f-1')).toBe('demo_api_f_1');
  });

  it('never starts with a digit', () => {
    expect(featureSchemaName('3d-render', 'f1')).toBe('_3d_render_f1');
  });

  it('is cut to 63 characters with a hash, keeping long names apart', () => {
    const a = featureSchemaName('s'.repeat(40), `f-${'a'.repeat(30)}`);
    const b = featureSchemaName('s'.repeat(40), `f-${'b'.repeat(30)}`);
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^s{40}_f_a{11}_[0-9a-f]{8}$/);
    expect(b).not.toBe(a);
  });
});

describe('isolationHooksFromConfig', () => {
  it('gives no hooks without isolation settings', () => {
    expect(isolationHooksFromConfig(new ConfigReader({}))).toEqual([]);
    expect(hooksFrom({})).toEqual([]);
  });

  it('turns the built-ins on with their default env var names', async () => {
    const hooks = hooksFrom({
      schemaName: true,
      topicPrefix: true,
      cacheMap: true,
    });
    expect(hooks.map(h => h.name)).toEqual([
      'schemaName',
      'topicPrefix',
      'cacheMap',
    ]);
    expect(await Promise.all(hooks.map(h => h.env!(ctx)))).toEqual([
      { ENVMESH_DB_SCHEMA: 'demo_api_feature_31337' },
      { ENVMESH_TOPIC_PREFIX: 'feature-31337.' },
      { ENVMESH_CACHE_MAP: 'feature-31337' },
    ]);
    expect(hooks.every(h => h.job === undefined)).toBe(true);
  });

  it('takes other env var names, and leaves out built-ins that are off', async () => {
    const hooks = hooksFrom({
      schemaName: { envName: 'DB_SCHEMA' },
      topicPrefix: false,
      cacheMap: { enabled: false, envName: 'X' },
    });
    expect(hooks.map(h => h.name)).toEqual(['schemaName']);
    expect(await hooks[0].env!(ctx)).toEqual({
      DB_SCHEMA: 'demo_api_feature_31337',
    });
  });

  it('rejects a bad env var name, naming the key', () => {
    expect(() => hooksFrom({ cacheMap: { envName: 'CACHE MAP' } })).toThrow(
      new InputError(
        "environments.features.isolation.cacheMap.envName: 'CACHE MAP' is not a valid environment variable name",
      ),
    );
  });

  it('makes Job hooks with the instance filled in, for the listed services only', async () => {
    const [hook] = hooksFrom({
      jobs: [
        {
          name: 'copy-schema',
          image: 'postgres:16',
          command: ['sh', '-c'],
          args: [
            'pg_dump -n public | sed "s/public/{service}_{feature}/" | psql -h db.{namespace} # ${PGUSER} {other}',
          ],
          env: {
            TARGET: '{service}-{feature}@{environment}',
            PG_PORT_5432: 'on',
          },
          envFrom: [{ secret: 'db-admin' }, { configMap: 'db-settings' }],
          services: ['demo-api', 'demo-orders'],
          backoffLimit: 1,
          activeDeadlineSeconds: 600,
        },
      ],
    });
    expect(hook.name).toBe('copy-schema');
    expect(hook.env).toBeUndefined();
    expect(await hook.job!(ctx)).toEqual({
      image: 'postgres:16',
      command: ['sh', '-c'],
      args: [
        'pg_dump -n public | sed "s/public/demo-api_feature-31337/" | psql -h db.shop-dev-ns # ${PGUSER} {other}',
      ],
      env: {
        TARGET: 'demo-api-feature-31337@shop-dev',
        PG_PORT_5432: 'on',
      },
      envFrom: [{ secret: 'db-admin' }, { configMap: 'db-settings' }],
      backoffLimit: 1,
      activeDeadlineSeconds: 600,
    });
    expect(await hook.job!({ ...ctx, service: 'demo-ui' })).toBeUndefined();
  });

  it('runs a Job hook without a service list for every service', async () => {
    const [hook] = hooksFrom({
      jobs: [{ name: 'topic', image: 'kafka:3' }],
    });
    expect(await hook.job!({ ...ctx, service: 'demo-ui' })).toEqual({
      image: 'kafka:3',
    });
  });

  it.each([
    [
      { jobs: [{ name: 'Copy_Schema', image: 'x' }] },
      /^environments\.features\.isolation\.jobs\[0\]\.name must be a DNS-1123 label/,
    ],
    [
      { jobs: [{ name: 'a', image: ' ' }] },
      /^environments\.features\.isolation\.jobs\[0\]\.image: is required$/,
    ],
    [
      { jobs: [{ name: 'a', image: 'x', env: { 'A B': 'c' } }] },
      /^environments\.features\.isolation\.jobs\[0\]\.env: 'A B' is not a valid/,
    ],
    [
      { jobs: [{ name: 'a', image: 'x', env: { PORT: 8080 } }] },
      /^environments\.features\.isolation\.jobs\[0\]\.env\.PORT: must be a string$/,
    ],
    [
      { jobs: [{ name: 'a', image: 'x', env: ['A=b'] }] },
      /^environments\.features\.isolation\.jobs\[0\]\.env: must be a map/,
    ],
    [
      {
        jobs: [
          { name: 'a', image: 'x', envFrom: [{ secret: 'a', configMap: 'b' }] },
        ],
      },
      /^environments\.features\.isolation\.jobs\[0\]\.envFrom\[0\]: give exactly one/,
    ],
    [
      { jobs: [{ name: 'a', image: 'x', envFrom: [{ secret: 'Bad_Name' }] }] },
      /^environments\.features\.isolation\.jobs\[0\]\.envFrom\[0\]: must name a Secret or ConfigMap$/,
    ],
    [
      { jobs: [{ name: 'a', image: 'x', backoffLimit: -1 }] },
      /^environments\.features\.isolation\.jobs\[0\]\.backoffLimit: must be an integer of at least 0$/,
    ],
    [
      { jobs: [{ name: 'a', image: 'x', activeDeadlineSeconds: 1.5 }] },
      /^environments\.features\.isolation\.jobs\[0\]\.activeDeadlineSeconds: must be/,
    ],
    [
      {
        jobs: [
          { name: 'copy', image: 'x' },
          { name: 'copy', image: 'y' },
        ],
      },
      /^two feature isolation hooks are named 'copy'/,
    ],
  ])('rejects bad job settings (%j) naming the field', (isolation, message) => {
    expect(() => hooksFrom(isolation)).toThrow(message);
    expect(() => hooksFrom(isolation)).toThrow(InputError);
  });
});
