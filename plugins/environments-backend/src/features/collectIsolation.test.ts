import { InputError } from '@backstage/errors';
import type { FeatureIsolationHook } from '@envmesh/plugin-environments-node';
import { collectIsolation, hookSegment } from './collectIsolation';
import {
  cacheMapHook,
  schemaNameHook,
  topicPrefixHook,
} from './isolationHooks';

const placement = {
  nodeSelector: { 'envmesh.io/node-pool': 'feature' },
  tolerations: [
    {
      key: 'envmesh.io/node-pool',
      operator: 'Equal',
      value: 'feature',
      effect: 'NoSchedule',
    },
  ],
};
const ctx = {
  environment: 'shop-dev',
  namespace: 'shop-dev-ns',
  service: 'demo-api',
  feature: 'feature-31337',
};

describe('collectIsolation', () => {
  it('gives nothing without hooks', async () => {
    expect(await collectIsolation([], ctx)).toEqual({ env: [], jobs: [] });
  });

  it('collects the env vars of every hook, in hook order, async or not', async () => {
    const vault: FeatureIsolationHook = {
      name: 'vault',
      env: async ({ service }) => ({ VAULT_ROLE: `${service}-preview` }),
    };
    const result = await collectIsolation(
      [schemaNameHook(), vault, topicPrefixHook(), cacheMapHook('CACHE')],
      ctx,
    );
    expect(result).toEqual({
      env: [
        { name: 'ENVMESH_DB_SCHEMA', value: 'demo_api_feature_31337' },
        { name: 'VAULT_ROLE', value: 'demo-api-preview' },
        { name: 'ENVMESH_TOPIC_PREFIX', value: 'feature-31337.' },
        { name: 'CACHE', value: 'feature-31337' },
      ],
      jobs: [],
    });
  });

  it('builds each hook Job completely, on the feature nodes, with the instance env vars under its own', async () => {
    const copy: FeatureIsolationHook = {
      name: 'copySchema',
      job: async () => ({
        image: 'postgres:16',
        command: ['sh', '-c'],
        args: ['psql -c "create schema $(ENVMESH_DB_SCHEMA)"'],
        env: { PGDATABASE: 'shop', ENVMESH_CACHE_MAP: 'job-own' },
        envFrom: [{ secret: 'db-admin' }, { configMap: 'db-settings' }],
        activeDeadlineSeconds: 300,
      }),
    };
    const result = await collectIsolation(
      [schemaNameHook(), cacheMapHook(), copy],
      { ...ctx, placement },
    );
    const labels = {
      'envmesh.io/feature': 'feature-31337',
      'envmesh.io/service': 'demo-api',
      'envmesh.io/isolation-hook': 'copy-schema',
    };
    expect(result.jobs).toEqual([
      {
        hook: 'copySchema',
        job: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: {
            name: 'demo-api-feature-31337-copy-schema',
            namespace: 'shop-dev-ns',
            labels,
          },
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 300,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'Never',
                containers: [
                  {
                    name: 'copy-schema',
                    image: 'postgres:16',
                    command: ['sh', '-c'],
                    args: ['psql -c "create schema $(ENVMESH_DB_SCHEMA)"'],
                    env: [
                      {
                        name: 'ENVMESH_DB_SCHEMA',
                        value: 'demo_api_feature_31337',
                      },
                      { name: 'PGDATABASE', value: 'shop' },
                      { name: 'ENVMESH_CACHE_MAP', value: 'job-own' },
                    ],
                    envFrom: [
                      { secretRef: { name: 'db-admin' } },
                      { configMapRef: { name: 'db-settings' } },
                    ],
                  },
                ],
                nodeSelector: placement.nodeSelector,
                tolerations: placement.tolerations,
              },
            },
          },
        },
      },
    ]);
    // The Job of a hook that gives none is left out; the instance's env is unchanged by the Job's.
    expect(result.env.map(e => e.name)).toEqual([
      'ENVMESH_DB_SCHEMA',
      'ENVMESH_CACHE_MAP',
    ]);
  });

  it('cuts long Job names with a hash', async () => {
    const hook: FeatureIsolationHook = {
      name: 'copy-the-whole-database-schema-with-data',
      job: () => ({ image: 'x' }),
    };
    const { jobs } = await collectIsolation([hook], {
      ...ctx,
      feature: 'feature-with-a-rather-long-name',
    });
    expect(jobs[0].job.metadata!.name).toMatch(
      /^demo-api-feature-with-a-rather-long-name-copy-the-whol-[0-9a-f]{8}$/,
    );
    expect(jobs[0].job.metadata!.name!.length).toBeLessThanOrEqual(63);
  });

  it('hands hooks a copy of the context without the placement', async () => {
    const seen: unknown[] = [];
    const nosy: FeatureIsolationHook = {
      name: 'nosy',
      env: c => {
        seen.push({ ...c });
        (c as any).feature = 'changed';
        return {};
      },
      job: c => {
        seen.push({ ...c });
        return undefined;
      },
    };
    const context = { ...ctx, placement };
    await collectIsolation([nosy], context);
    expect(seen).toEqual([ctx, ctx]);
    expect(context.feature).toBe('feature-31337');
  });

  it('refuses hooks that share a name', async () => {
    await expect(
      collectIsolation([schemaNameHook(), schemaNameHook('OTHER')], ctx),
    ).rejects.toThrow(
      new InputError(
        "two feature isolation hooks are named 'schemaName'; hook names must be unique",
      ),
    );
  });

  it('refuses two hooks setting the same env var, without telling its values', async () => {
    const other: FeatureIsolationHook = {
      name: 'legacy',
      env: () => ({ ENVMESH_DB_SCHEMA: 's3cr3t-value' }),
    };
    const error = await collectIsolation([schemaNameHook(), other], ctx).catch(
      e => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      "isolation hooks 'schemaName' and 'legacy' both set the env var 'ENVMESH_DB_SCHEMA'",
    );
  });

  it('refuses Jobs whose names collide', async () => {
    const a: FeatureIsolationHook = {
      name: 'copy_schema',
      job: () => ({ image: 'x' }),
    };
    const b: FeatureIsolationHook = {
      name: 'copySchema',
      job: () => ({ image: 'y' }),
    };
    await expect(collectIsolation([a, b], ctx)).rejects.toThrow(
      "isolation hooks 'copy_schema' and 'copySchema' would both run the Job 'demo-api-feature-31337-copy-schema'; rename one of them",
    );
  });

  it('names the hook that failed', async () => {
    const broken: FeatureIsolationHook = {
      name: 'kafka',
      env: async () => {
        throw new Error('broker unreachable');
      },
    };
    await expect(collectIsolation([broken], ctx)).rejects.toThrow(
      "isolation hook 'kafka' failed to give env vars: broker unreachable",
    );
    const brokenJob: FeatureIsolationHook = {
      name: 'db',
      job: () => {
        throw new Error('no template');
      },
    };
    await expect(collectIsolation([brokenJob], ctx)).rejects.toThrow(
      "isolation hook 'db' failed to give its Job: no template",
    );
  });

  it.each([
    [
      { name: 'h', env: () => ({ 'BAD NAME': 'v' }) },
      /^isolation hook 'h' gave the env var 'BAD NAME', which is not a valid name$/,
    ],
    [
      { name: 'h', env: () => ({ N: 42 as any }) },
      /^isolation hook 'h' gave the env var 'N' a value that is not a string$/,
    ],
    [
      { name: 'h', env: () => ['x'] as any },
      /^isolation hook 'h' gave env vars that are not a map/,
    ],
    [
      { name: 'h', job: () => ({ image: '' }) },
      /^isolation hook 'h': job\.image: is required$/,
    ],
    [
      { name: 'h', job: () => ({ image: 'x', args: 'run' as any }) },
      /^isolation hook 'h': job\.args: must be a list of strings$/,
    ],
    [
      { name: 'h', job: () => ({ image: 'x', env: { A: 1 as any } }) },
      /^isolation hook 'h': job\.env\.A: must be a string$/,
    ],
    [
      { name: '', env: () => ({}) },
      /^feature isolation hooks must have a name$/,
    ],
  ] as Array<[FeatureIsolationHook, RegExp]>)(
    'rejects what a hook gives when it cannot be used (%#)',
    async (hook, message) => {
      const error = await collectIsolation([hook], ctx).catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(message);
    },
  );
});

describe('hookSegment', () => {
  it('turns hook names into DNS-1123 label segments', () => {
    expect(hookSegment('schemaName')).toBe('schema-name');
    expect(hookSegment('copy_schema')).toBe('copy-schema');
    expect(hookSegment('--Kafka Topics!')).toBe('kafka-topics');
    expect(hookSegment('!!!')).toBe('hook');
    expect(hookSegment(`a${'-b'.repeat(40)}`)).toMatch(/^a(-b)*$/);
    expect(hookSegment(`a${'-b'.repeat(40)}`).length).toBeLessThanOrEqual(63);
  });
});
