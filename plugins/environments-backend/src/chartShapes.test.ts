import fs from 'node:fs/promises';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  Watch,
} from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  CHART_SHAPE_SERVICES,
  RIVAL_SERVICE,
  SHAPE_C_HOST,
  makeChartShapesRepo,
} from './__testUtils__/chartShapes';
import {
  ApiCall,
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';
import { hostOf, liveObjects, podsOf } from './__testUtils__/liveRouting';
import {
  RouteTraceObjects,
  VirtualService,
  createRoutingDriver,
  featureSubsets,
  podsBehind,
  traceRequest,
} from './routing';

const FEATURE = 'f-shapes';
/** The services the feature has an instance of: one of every chart shape but shape-b2, its chart's twin. */
const FEATURED = ['shape-a', 'shape-b1', 'shape-c', 'shape-d'];
const HEADER = { 'X-FEATURE-NAME': FEATURE };

const kc: KubeConfig = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const podsOfService = (objects: RouteTraceObjects, service: string) =>
  podsOf(objects, service, FEATURE);

describe.each(['subset', 'service'] as const)(
  'feature instances of charts as users write them (%s mode)',
  mode => {
    const ENV = `shapes-${mode}`;
    let call: ApiCall;
    let stop: () => Promise<void>;
    let repo: string;

    beforeAll(async () => {
      repo = await makeChartShapesRepo();
      ({ call, stop } = await startImportedBackend(repo, {
        rollout: { readyTimeoutSeconds: 90 },
      }));
      const created = await call('post', '/environments', {
        name: ENV,
        cluster: 'local',
        owner: 'group:default/platform-team',
        routing: { mode, sidecarInjection: true },
        resources: {
          gateways: [{ name: 'demo-gateway', hosts: [SHAPE_C_HOST] }],
        },
        // A base image.tag key/value: the feature instance's own image tag must still win.
        services: CHART_SHAPE_SERVICES.map(name =>
          name === 'shape-a'
            ? { name, keyValues: { 'image.tag': '1.0.0' } }
            : { name },
        ),
      });
      const rollout = await waitForOperation(call, created.body.id, 180_000);
      if (rollout.state !== 'succeeded') {
        throw new Error(`${ENV} did not roll out: ${rollout.error}`);
      }
    });

    afterAll(async () => {
      await stop?.();
      await core.deleteNamespace({ name: ENV }).catch(() => undefined);
      if (repo) await fs.rm(repo, { recursive: true, force: true });
    });

    it('deploys a feature over every chart shape with no edit to the charts, and routes only header requests to it', async () => {
      const res = await call('post', '/features', {
        name: FEATURE,
        environment: ENV,
        instances: FEATURED.map(service =>
          service === 'shape-a'
            ? { service, imageTag: '2.0.0-rc1' }
            : { service },
        ),
      });
      expect(res.status).toBe(202);
      const operation = await waitForOperation(
        call,
        res.body.operation.id,
        180_000,
      );
      expect(operation).toMatchObject({ state: 'succeeded' });

      const objects = await liveObjects(ENV);
      const images = (
        await apps.listNamespacedDeployment({
          namespace: ENV,
          labelSelector: 'envmesh.io/service=shape-a',
        })
      ).items.map(d => [
        d.metadata?.labels?.['envmesh.io/feature'] ?? 'base',
        d.spec?.template.spec?.containers[0].image?.replace(/^.*:/, ''),
      ]);
      expect(Object.fromEntries(images)).toEqual({
        base: '1.0.0',
        [FEATURE]: '2.0.0-rc1',
      });
      // The instance's merged values say why: the feature layer is on top of the key/values.
      const values = await call(
        'get',
        `/features/${FEATURE}/instances/shape-a/values`,
      );
      expect(values.status).toBe(200);
      expect(values.body.values.image.tag).toBe('2.0.0-rc1');
      expect(values.body.provenance['image.tag']).toBe('feature');
      expect(
        (await call('get', `/features/${FEATURE}/instances/shape-b2/values`))
          .status,
      ).toBe(404);
      for (const service of FEATURED) {
        const pods = podsOfService(objects, service);
        expect({ service, base: pods.base.length > 0 }).toEqual({
          service,
          base: true,
        });
        expect({ service, feature: pods.feature.length > 0 }).toEqual({
          service,
          feature: true,
        });
        const host = hostOf(objects, service);
        // From a sidecar: without the header only base pods, with it only the feature's.
        const plain = traceRequest({ host }, objects);
        expect({ service, pods: plain.pods }).toEqual({
          service,
          pods: pods.base,
        });
        expect(plain.destination?.subset).toBe(
          mode === 'subset' ? 'default' : undefined,
        );
        // `service` mode: the base Service itself never selects a feature pod (clients without a sidecar).
        const baseService = podsBehind({ host }, objects).pods;
        expect({ service, baseService }).toEqual({
          service,
          baseService:
            mode === 'service'
              ? pods.base
              : [...pods.base, ...pods.feature].sort(),
        });
        const featured = traceRequest({ host, headers: HEADER }, objects);
        expect({ service, pods: featured.pods }).toEqual({
          service,
          pods: pods.feature,
        });
      }

      // Through the gateway: shape-c's own gateway-bound VS is pinned and routed like its mesh VS.
      const shapeC = podsOfService(objects, 'shape-c');
      const viaGateway = traceRequest(
        { host: SHAPE_C_HOST, gateway: true },
        objects,
      );
      expect(viaGateway.virtualService).toBe('shape-c-fullname-public');
      expect(viaGateway.pods).toEqual(shapeC.base);
      expect(
        traceRequest(
          { host: SHAPE_C_HOST, gateway: true, headers: HEADER },
          objects,
        ).pods,
      ).toEqual(shapeC.feature);

      // The shared chart's twin has no instance: both kinds of request reach its base pods only, and its
      // Service never selects shape-b1's pods although both carry app.kubernetes.io/name: shared.
      const twin = podsOfService(objects, 'shape-b2');
      const twinHost = hostOf(objects, 'shape-b2');
      expect(traceRequest({ host: twinHost }, objects).pods).toEqual(twin.base);
      expect(
        traceRequest({ host: twinHost, headers: HEADER }, objects).pods,
      ).toEqual(twin.base);

      // Every rule of every VS that matches without the header reaches no feature pod.
      const featurePods = new Set(
        objects.pods
          .filter(p => p.metadata?.labels?.['envmesh.io/feature'])
          .map(p => p.metadata?.name),
      );
      const leaks = objects.virtualServices.flatMap(vs =>
        (vs.spec.http ?? [])
          .filter(rule => !rule.match?.some(m => m.headers))
          .flatMap(rule => rule.route ?? [])
          .flatMap(({ destination }) =>
            podsBehind(destination, objects)
              .pods.filter(pod => featurePods.has(pod))
              .map(pod => `${vs.metadata?.name} → ${pod}`),
          ),
      );
      expect(featurePods.size).toBeGreaterThan(0);
      expect(leaks).toEqual([]);
    });

    it("keeps the feature's routes in the chart's own VirtualService through a base update, with no drift", async () => {
      const vsName = 'shape-c-fullname-public';
      const routeNames = (vs: VirtualService) =>
        (vs.spec.http ?? []).map(r => r.name ?? '');
      const shapeCDrift = async () => {
        const status = await call('get', `/environments/${ENV}/status`);
        expect(status.status).toBe(200);
        return status.body.services.find((s: any) => s.name === 'shape-c')
          .drift;
      };
      // Routing wrote the feature's routes into the chart's VS: that is envmesh's change, not drift.
      expect(await shapeCDrift()).toEqual([]);

      // Every version of the VS while shape-c is re-applied still has the feature route.
      const versions: string[][] = [];
      const watching = await new Watch(kc).watch(
        `/apis/networking.istio.io/v1/namespaces/${ENV}/virtualservices`,
        { fieldSelector: `metadata.name=${vsName}` },
        (_type: string, vs: VirtualService) => versions.push(routeNames(vs)),
        () => undefined,
      );
      try {
        const updated = await call('patch', `/environments/${ENV}`, {
          services: CHART_SHAPE_SERVICES.map(name => {
            if (name === 'shape-c') {
              return { name, keyValues: { 'podAnnotations.rev': '2' } };
            }
            return name === 'shape-a'
              ? { name, keyValues: { 'image.tag': '1.0.0' } }
              : { name };
          }),
        });
        expect(updated.status).toBe(202);
        const operation = await waitForOperation(call, updated.body.id);
        expect(operation.state).toBe('succeeded');
        const step = operation.steps.find((s: any) => s.service === 'shape-c');
        expect(step.message).toMatch(/^revision \d+$/);
      } finally {
        watching.abort();
      }
      expect(versions.length).toBeGreaterThan(0);
      expect(
        versions.filter(routes => !routes.includes(`envmesh-${FEATURE}`)),
      ).toEqual([]);
      expect(await shapeCDrift()).toEqual([]);
    });

    // `subset` mode: the backend of a feature being deployed is a DR subset, which a base update could take.
    (mode === 'subset' ? describe : describe.skip)('subset mode', () => {
      /** shape-a's routing, as another writer (a second backend replica) would address it. */
      const shapeARef = async () => ({
        kubeConfig: kc,
        namespace: ENV,
        environment: ENV,
        host: hostOf(await liveObjects(ENV), 'shape-a'),
        baseInstance: 'shape-a',
        service: 'shape-a',
        mode,
      });
      /** A pod like shape-a's base pod, with these labels on top (and scheduled by this node selector). */
      const shapeAPod = async (
        name: string,
        labels: Record<string, string>,
        nodeSelector?: Record<string, string>,
      ) => {
        const [base] = (
          await core.listNamespacedPod({
            namespace: ENV,
            labelSelector: 'envmesh.io/service=shape-a,!envmesh.io/feature',
          })
        ).items;
        const { 'pod-template-hash': _hash, ...baseLabels } =
          base.metadata!.labels!;
        await core.createNamespacedPod({
          namespace: ENV,
          body: {
            metadata: { name, labels: { ...baseLabels, ...labels } },
            spec: { ...base.spec!, nodeName: undefined, nodeSelector },
          },
        });
      };

      it('keeps what an in-flight deploy of another feature wrote through a base update of the service', async () => {
        const feature = 'f-race';
        const ref = await shapeARef();
        const { host } = ref;
        // The instance's pod, as the deploy's apply would have started it.
        await shapeAPod(`shape-a-${feature}`, {
          'app.kubernetes.io/instance': `shape-a.${feature}`,
          'envmesh.io/feature': feature,
        });
        const subsets = async () =>
          featureSubsets(
            (await liveObjects(ENV)).destinationRules.find(
              dr => dr.metadata?.name === host,
            ),
          );
        // Another backend's deploy of the feature: its subset is made, the base updates while it waits.
        const deploying = createRoutingDriver('istio', {});
        let duringUpdate: Set<string> | undefined;
        await deploying.addFeature({
          ...ref,
          feature,
          waitReady: async () => {
            const updated = await call('patch', `/environments/${ENV}`, {
              services: CHART_SHAPE_SERVICES.map(name =>
                name === 'shape-a'
                  ? {
                      name,
                      keyValues: {
                        'image.tag': '1.0.0',
                        'podAnnotations.rev': '3',
                      },
                    }
                  : { name },
              ),
            });
            expect((await waitForOperation(call, updated.body.id)).state).toBe(
              'succeeded',
            );
            duringUpdate = await subsets();
          },
        });
        expect(duringUpdate).toEqual(new Set([FEATURE, feature]));
        expect((await deploying.read(ref)).routes).toEqual(
          [FEATURE, feature].sort(),
        );

        await deploying.removeFeature({ ...ref, feature });
        await core.deleteNamespacedPod({
          name: `shape-a-${feature}`,
          namespace: ENV,
        });
        expect(await subsets()).toEqual(new Set([FEATURE]));
      });
      it('routes no feature to pods that are not ready, and nothing while the default subset would select a feature pod', async () => {
        const ref = await shapeARef();
        const { host } = ref;
        const pod = shapeAPod;
        const driver = createRoutingDriver('istio', {});
        const refusal = (feature: string) =>
          driver.addFeature({ ...ref, feature }).then(
            () => undefined,
            error => error.message as string,
          );
        try {
          // Scheduled nowhere: Pending, never ready.
          await pod(
            'shape-a-f-pending',
            {
              'app.kubernetes.io/instance': 'shape-a.f-pending',
              'envmesh.io/feature': 'f-pending',
            },
            { 'envmesh.io/no-such-node': 'true' },
          );
          expect(await refusal('f-pending')).toBe(
            `no route to subset f-pending of ${host}: none of its pods is ready`,
          );
          expect((await driver.read(ref)).routes).toEqual([FEATURE]);
          await driver.removeFeature({ ...ref, feature: 'f-pending' });

          // A feature pod that carries the base instance label: plain requests could reach it.
          await pod('shape-a-f-leak', { 'envmesh.io/feature': 'f-leak' });
          expect(await refusal('f-leak')).toMatch(
            new RegExp(
              `^subset default of ${host} \\(app.kubernetes.io/instance: shape-a\\) selects feature pod\\(s\\) shape-a-f-leak$`,
            ),
          );
          expect((await driver.read(ref)).backends).toEqual([FEATURE]);
        } finally {
          for (const name of ['shape-a-f-pending', 'shape-a-f-leak']) {
            await core
              .deleteNamespacedPod({
                name,
                namespace: ENV,
                gracePeriodSeconds: 0,
              })
              .catch(() => undefined);
          }
        }
      });
    });

    it('traces a request through a chain: plain requests reach base pods at every hop, header requests the feature instances', async () => {
      const objects = await liveObjects(ENV);
      const chain = ['shape-c', 'shape-a', 'shape-b2', 'shape-d'];
      const trace = (body: object) =>
        call('post', `/environments/${ENV}/routes/trace`, body);

      const plain = await trace({ host: SHAPE_C_HOST, chain });
      expect(plain.status).toBe(200);
      expect(plain.body.hops.map((h: any) => h.service ?? h.host)).toEqual([
        SHAPE_C_HOST,
        ...chain,
      ]);
      const [gatewayHop, ...serviceHops] = plain.body.hops;
      expect(gatewayHop).toMatchObject({
        virtualService: 'shape-c-fullname-public',
        destination: {
          host: 'shape-c-fullname',
          ...(mode === 'subset' ? { subset: 'default' } : {}),
        },
        pods: podsOfService(objects, 'shape-c').base,
      });
      for (const hop of serviceHops) {
        expect({ service: hop.service, pods: hop.pods }).toEqual({
          service: hop.service,
          pods: podsOfService(objects, hop.service).base,
        });
      }
      // The twin has no VirtualService: the reason says the Service's endpoints were used.
      expect(serviceHops[2].reason).toMatch(/no VirtualService applies/);

      const featured = await trace({
        host: SHAPE_C_HOST,
        chain,
        headers: HEADER,
      });
      expect(
        featured.body.hops.map((h: any) => [h.service ?? h.host, h.pods]),
      ).toEqual([
        [SHAPE_C_HOST, podsOfService(objects, 'shape-c').feature],
        ['shape-c', podsOfService(objects, 'shape-c').feature],
        ['shape-a', podsOfService(objects, 'shape-a').feature],
        ['shape-b2', podsOfService(objects, 'shape-b2').base],
        ['shape-d', podsOfService(objects, 'shape-d').feature],
      ]);
      expect(featured.body.hops[2].rule.name).toBe(`envmesh-${FEATURE}`);

      // The namespace asks Istio for sidecars; the local cluster has no injector, so every service is reported.
      const namespace = await core.readNamespace({ name: ENV });
      expect(namespace.metadata?.labels?.['istio-injection']).toBe('enabled');
      expect(plain.body.withoutSidecar).toEqual(
        expect.arrayContaining([...chain, 'shape-a']),
      );
      await core.createNamespacedPod({
        namespace: ENV,
        body: {
          metadata: { name: 'with-sidecar' },
          spec: {
            containers: [
              { name: 'app', image: 'busybox' },
              { name: 'istio-proxy', image: 'proxyv2' },
            ],
          },
        },
      });
      const again = await trace({ chain: ['shape-a'] });
      expect(again.body.withoutSidecar).not.toContain('with-sidecar');
      await core.deleteNamespacedPod({ name: 'with-sidecar', namespace: ENV });

      const bad = await trace({ chain: ['shape-a', 'nope'] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^chain\.1:/);
      expect((await trace({})).body.error.message).toMatch(/^host:/);
      expect(
        (await call('post', '/environments/nope/routes/trace', { host: 'x' }))
          .status,
      ).toBe(404);
    });

    it("refuses a feature whose instance would take over another release's objects, before anything runs", async () => {
      const res = await call('post', '/features', {
        name: 'x',
        environment: ENV,
        instances: [{ service: 'shape-a' }],
      });
      expect(res.status).toBe(409);
      const taken =
        mode === 'service'
          ? 'Deployment shape-a-x (of shape-a-x), Service shape-a-x (of shape-a-x)'
          : 'Deployment shape-a-x (of shape-a-x)';
      expect(res.body.error.message).toBe(
        `feature x's instance of shape-a would take over ${taken}; use another feature name`,
      );
      expect((await call('get', '/features/x')).status).toBe(404);
    });

    it("refuses a service added to the environment whose chart would take over a feature instance's objects", async () => {
      const withRival = (extra: string[]) =>
        call('patch', `/environments/${ENV}`, {
          services: [...CHART_SHAPE_SERVICES, ...extra].map(name =>
            name === 'shape-a'
              ? { name, keyValues: { 'image.tag': '1.0.0' } }
              : { name },
          ),
        });
      const added = await withRival([RIVAL_SERVICE]);
      expect(added.status).toBe(202);
      const refused = await waitForOperation(call, added.body.id);
      expect(refused.state).toBe('failed');
      expect(refused.error).toContain(
        `Deployment ${ENV}/${RIVAL_SERVICE} belongs to feature ${FEATURE}'s instance of shape-a in ${ENV}; service ${RIVAL_SERVICE} of ${ENV} does not take it over`,
      );
      // The instance is still the feature's, and still runs the feature's image.
      const instance = await apps.readNamespacedDeployment({
        name: RIVAL_SERVICE,
        namespace: ENV,
      });
      expect(instance.metadata?.labels?.['envmesh.io/feature']).toBe(FEATURE);
      expect(instance.spec?.template.spec?.containers[0].image).toMatch(
        /:2\.0\.0-rc1$/,
      );

      const back = await withRival([]);
      expect((await waitForOperation(call, back.body.id)).state).toBe(
        'succeeded',
      );
    });

    it('refuses to change the routing mode while feature branches exist', async () => {
      const other = mode === 'subset' ? 'service' : 'subset';
      const res = await call('patch', `/environments/${ENV}`, {
        routing: { mode: other },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/^routing\.mode: .*f-shapes/);
      expect((await call('get', `/environments/${ENV}`)).body.routing).toEqual({
        mode,
        sidecarInjection: true,
      });
    });

    it('removes the feature instances and routing of a service that leaves the environment', async () => {
      const res = await call('patch', `/environments/${ENV}`, {
        services: CHART_SHAPE_SERVICES.filter(s => s !== 'shape-d').map(
          name => ({
            name,
          }),
        ),
      });
      expect(res.status).toBe(202);
      expect(await waitForOperation(call, res.body.id, 180_000)).toMatchObject({
        state: 'succeeded',
      });
      const objects = await liveObjects(ENV);
      const left = [
        ...objects.pods,
        ...objects.services,
        ...objects.virtualServices,
        ...objects.destinationRules,
      ].filter(
        o =>
          o.metadata?.labels?.['envmesh.io/service'] === 'shape-d' ||
          o.metadata?.name?.startsWith('shape-d-'),
      );
      expect(left.map(o => `${o.kind}/${o.metadata?.name}`)).toEqual([]);
      const feature = await call('get', `/features/${FEATURE}`);
      expect(feature.body.instances.map((i: any) => i.service).sort()).toEqual(
        FEATURED.filter(s => s !== 'shape-d'),
      );
    });

    it('removes the feature: its routes and objects go, plain requests still reach the base pods', async () => {
      const res = await call('delete', `/features/${FEATURE}`);
      expect(res.status).toBe(202);
      expect(await waitForOperation(call, res.body.id)).toMatchObject({
        state: 'succeeded',
      });
      const objects = await liveObjects(ENV);
      const routes = objects.virtualServices.flatMap(vs =>
        (vs.spec.http ?? []).map(r => r.name),
      );
      expect(routes.filter(r => r?.startsWith('envmesh-'))).toEqual([]);
      // What routing created is gone; the chart's own VirtualService has exactly the routes it rendered.
      expect(objects.destinationRules).toEqual([]);
      expect(objects.virtualServices.map(vs => vs.metadata?.name)).toEqual([
        'shape-c-fullname-public',
      ]);
      expect(objects.virtualServices[0].spec.http).toEqual([
        {
          name: 'public',
          route: [
            { destination: { host: 'shape-c-fullname', port: { number: 80 } } },
          ],
        },
      ]);
      expect(
        objects.services.filter(
          s => s.metadata?.labels?.['envmesh.io/feature'],
        ),
      ).toEqual([]);
      for (const service of FEATURED.filter(s => s !== 'shape-d')) {
        const pods = podsOfService(objects, service);
        expect(pods.feature).toEqual([]);
        expect(
          traceRequest(
            { host: hostOf(objects, service), headers: HEADER },
            objects,
          ).pods,
        ).toEqual(pods.base);
      }
    });

    it('shows the transformed Services in the manifest view', async () => {
      const res = await call(
        'get',
        `/environments/${ENV}/services/shape-a/manifest`,
      );
      expect(res.status).toBe(200);
      const text = res.text;
      expect(text).toContain('envmesh.io/service');
    });
  },
);
