import crypto from 'node:crypto';
import fs from 'node:fs';
import {
  ApiCall,
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';
import { writeSharedChartRepo } from './__testUtils__/sharedChartRepo';

/** One chart with known requests (500m CPU, 1 GiB per pod), replicas from the values, shared by two services. */
function writeRepository() {
  return writeSharedChartRepo({
    defaults: 'replicas: 1\n',
    replicas: '{{ .Values.replicas }}',
    containers: `        - name: app
          image: example/{{ .Release.Name }}:1
          resources:
            requests: { cpu: 500m, memory: 1Gi }`,
    services: {
      api: { values: 'replicas: 2\n' },
      worker: { values: 'replicas: 1\n' },
    },
  });
}

/** A period of `hours` starting an hour from now: the environment's current state, projected. */
function ahead(hours: number) {
  const from = new Date(Date.now() + 3_600_000);
  const to = new Date(from.getTime() + hours * 3_600_000);
  return new URLSearchParams({
    from: from.toISOString(),
    to: to.toISOString(),
  }).toString();
}

describe('GET /environments/{name}/cost and /features/{feature}/cost', () => {
  const suffix = crypto.randomBytes(3).toString('hex');
  const env = `cost-${suffix}`;
  const feature = `cost-f-${suffix}`;
  let call: ApiCall;
  let stop: () => Promise<void>;
  let repo: string;

  beforeAll(async () => {
    repo = writeRepository();
    ({ call, stop } = await startImportedBackend(repo, {
      cost: {
        prices: {
          default: { cpuHour: 1, memoryGiBHour: 1 },
          clusters: {
            local: { currency: 'EUR', cpuHour: 0.05, memoryGiBHour: 0.01 },
          },
        },
      },
    }));
    const created = await call('post', '/environments', {
      name: env,
      cluster: 'local',
      owner: 'group:default/team',
      services: [{ name: 'api' }, { name: 'worker' }],
    });
    const succeeded = async (id: string) => {
      const { state, error } = await waitForOperation(call, id);
      if (state !== 'succeeded') throw new Error(`${id} ${state}: ${error}`);
    };
    await succeeded(created.body.id);
    const deployed = await call('post', '/features', {
      name: feature,
      environment: env,
      instances: [{ service: 'worker' }],
    });
    await succeeded(deployed.body.operation?.id);
  });
  afterAll(async () => {
    await call('delete', `/environments/${env}?cascade=true`);
    await stop();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it("prices each service's requests over the awake hours with the cluster's prices", async () => {
    const res = await call('get', `/environments/${env}/cost?${ahead(10)}`);
    expect(res.status).toBe(200);
    // api: 2 pods × (0.5 CPU, 1 GiB) = 1 CPU, 2 GiB → (1 × 0.05 + 2 × 0.01) × 10 h = 0.70
    // worker: 1 pod = 0.5 CPU, 1 GiB → (0.5 × 0.05 + 1 × 0.01) × 10 h = 0.35
    expect(res.body).toMatchObject({
      environment: env,
      cluster: 'local',
      prices: { currency: 'EUR', cpuHour: 0.05, memoryGiBHour: 0.01 },
      awakeHours: 10,
      asleepHours: 0,
      pods: 3,
      cpu: 1.5,
      memoryGiB: 3,
      cost: 1.05,
      sleepSaving: { cost: 0, ratio: 0 },
      services: [
        { name: 'api', pods: 2, cpu: 1, memoryGiB: 2, cost: 0.7 },
        { name: 'worker', pods: 1, cpu: 0.5, memoryGiB: 1, cost: 0.35 },
      ],
    });
  });

  it('prices a feature branch against a full copy of its base environment', async () => {
    const res = await call('get', `/features/${feature}/cost?${ahead(10)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      feature,
      environment: env,
      awakeHours: 10,
      pods: 1,
      cost: 0.35,
      instances: [{ name: 'worker', pods: 1, cpu: 0.5, cost: 0.35 }],
      fullCopyCost: 1.05,
      saving: { cost: 0.7, ratio: 0.667 },
    });
  });

  it('counts asleep hours as saved once the environment sleeps', async () => {
    const slept = await call('post', `/environments/${env}/sleep`);
    expect((await waitForOperation(call, slept.body.id)).state).toBe(
      'succeeded',
    );
    const res = await call('get', `/environments/${env}/cost?${ahead(10)}`);
    expect(res.body).toMatchObject({
      awakeHours: 0,
      asleepHours: 10,
      cost: 0,
      sleepSaving: { cost: 1.05, ratio: 1 },
    });
  });

  it('refuses a period it cannot read, naming the field', async () => {
    const bad = await call('get', `/environments/${env}/cost?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      "from: 'yesterday' is not an ISO 8601 date and time",
    );
    const backwards = await call(
      'get',
      `/environments/${env}/cost?${new URLSearchParams({
        from: '2026-12-02T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
      })}`,
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toBe('to: must be after from');
    expect((await call('get', '/features/no-such/cost')).status).toBe(404);
  });
});
