/*
 * The collators against the real engine: the environments backend plugin on the local cluster with the
 * example demo-dev environment (and its secret values) and the example feature branch, indexed by the real
 * search plugin through this module.
 */
import {
  coreServices,
  createBackendModule,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import searchPlugin from '@backstage/plugin-search-backend';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { EnvironmentsCollatorFactory } from './collator/EnvironmentsCollatorFactory';
import { FeatureBranchesCollatorFactory } from './collator/FeatureBranchesCollatorFactory';
import { searchModuleEnvironmentsCollator } from './module';
import {
  examples,
  RealEngine,
  startRealEngine,
} from '@envmesh/engine-test-utils';

jest.setTimeout(300_000);

async function collect(factory: {
  getCollator(): Promise<AsyncIterable<unknown>>;
}) {
  const documents: any[] = [];
  for await (const document of await factory.getCollator()) {
    documents.push(document);
  }
  return documents;
}

describe('the collators on the real engine', () => {
  let engine: RealEngine;
  let scheduler: SchedulerService | undefined;

  beforeAll(async () => {
    const captureScheduler = createBackendModule({
      pluginId: 'search',
      moduleId: 'test-scheduler-capture',
      register(reg) {
        reg.registerInit({
          deps: { s: coreServices.scheduler },
          async init({ s }) {
            scheduler = s;
          },
        });
      },
    });
    engine = await startRealEngine({
      features: [
        searchPlugin,
        searchModuleEnvironmentsCollator,
        captureScheduler,
        // The engine reads components from the catalog for webhooks only.
        catalogServiceMock.factory({ entities: [] }),
      ],
    });

    // The example feature branch beside it.
    const feature = yaml.load(
      fs.readFileSync(
        path.join(examples, 'features', 'feature-31337.yaml'),
        'utf8',
      ),
    ) as any;
    const deployed = await engine.call('POST', '/api/environments/features', {
      ...feature.spec,
      name: feature.metadata.name,
      description: feature.metadata.description,
    });
    if (deployed.status !== 202) {
      throw new Error(`deploy failed: ${JSON.stringify(deployed.body)}`);
    }
  }, 300_000);

  afterAll(async () => {
    await engine?.stop();
  });

  it('the secret values are real: the cluster has them', async () => {
    const secret = await engine.kube(
      `/api/v1/namespaces/${engine.namespace}/secrets/demo-db-credentials`,
    );
    expect(
      Object.fromEntries(
        Object.entries(secret.data).map(([key, value]) => [
          key,
          Buffer.from(value as string, 'base64').toString(),
        ]),
      ),
    ).toEqual(engine.secretValues);
  });

  it('collates demo-dev with its services and feature-31337 where it runs, and no secret value anywhere', async () => {
    const logger = mockServices.logger.mock();
    const environments = await collect(
      EnvironmentsCollatorFactory.create({
        auth: mockServices.auth(),
        logger,
        environments: engine.environments,
      }),
    );
    const features = await collect(
      FeatureBranchesCollatorFactory.create({
        auth: mockServices.auth(),
        logger,
        environments: engine.environments,
      }),
    );

    expect(environments).toEqual([
      expect.objectContaining({
        title: 'demo-dev',
        location: '/environments/demo-dev',
        kind: 'environment',
        cluster: 'local',
        namespace: engine.namespace,
        owner: 'group:default/platform-team',
        services: engine.definition.spec.services.map(
          (service: { name: string }) => service.name,
        ),
        text: expect.stringContaining(engine.definition.metadata.description),
      }),
    ]);
    expect(environments[0].text).toContain(
      'Services: config-service, demo-api, demo-orders, demo-payments, demo-ui',
    );
    expect(features).toEqual([
      expect.objectContaining({
        title: 'feature-31337',
        location: '/feature-branches/feature-31337',
        kind: 'feature-branch',
        environment: 'demo-dev',
        // Where the instances run: the base environment's cluster and namespace.
        cluster: 'local',
        namespace: engine.namespace,
        services: ['demo-api', 'demo-ui'],
      }),
    ]);
    const indexed = JSON.stringify([...environments, ...features]);
    for (const value of Object.values(engine.secretValues)) {
      expect(indexed).not.toContain(value);
    }
  });

  it('the search plugin indexes them through this module and finds demo-dev, never a secret value', async () => {
    await scheduler!.triggerTask('search_index_environment');
    await scheduler!.triggerTask('search_index_feature_branch');

    const query = async (term: string) => {
      const res = await engine.call(
        'GET',
        `/api/search/query?term=${encodeURIComponent(term)}`,
      );
      expect(res.status).toBe(200);
      return res.body.results as Array<{ type: string; document: any }>;
    };
    let results: Awaited<ReturnType<typeof query>> = [];
    for (let i = 0; i < 60 && !results.length; i++) {
      results = await query('demo-dev');
      if (!results.length) await new Promise(r => setTimeout(r, 500));
    }

    expect(results).toContainEqual(
      expect.objectContaining({
        type: 'environment',
        document: expect.objectContaining({
          title: 'demo-dev',
          location: '/environments/demo-dev',
        }),
      }),
    );
    expect(results).toContainEqual(
      expect.objectContaining({
        type: 'feature-branch',
        document: expect.objectContaining({ title: 'feature-31337' }),
      }),
    );
    // The search engine matches parts of a term too; no hit may carry the value itself.
    for (const value of Object.values(engine.secretValues)) {
      expect(JSON.stringify(await query(value))).not.toContain(value);
    }
  });
});
