import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';
import { binaryPath } from './binaries';
import { LOCAL_CLUSTER_CRDS, crdManifest } from './crds';
import { startLocalStorage } from './storage';
import {
  DEFAULT_NODES,
  FakeNodeSpec,
  KWOK_NODE_ANNOTATION,
  fakeNodeManifest,
} from './nodes';
import {
  ManagedProcess,
  freePort,
  startProcess,
  startSupervisedProcess,
  startWatchdog,
  stopProcesses,
  waitFor,
} from './processes';

/** A running local control plane. */
export interface LocalCluster {
  /** A kubeconfig file with an admin token for the cluster. */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** The API server URL, https://127.0.0.1:<port>. */
  server: string;
  /** The admin bearer token (also in the kubeconfig). */
  token: string;
  /** The temp folder holding data, logs and the kubeconfig; removed by stop(). */
  dir: string;
  /** Kills exactly the processes this cluster started and removes its folder. */
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  /** Fake nodes to create; two general nodes and one tainted feature node by default. */
  nodes?: FakeNodeSpec[];
  /** A prefix for the temp folder name, shown in process listings. */
  name?: string;
  /** Where to print progress lines; silent by default. */
  log?: (line: string) => void;
  /** How long each component may take to become ready. */
  timeoutMs?: number;
}

const API_QPS = ['--kube-api-qps=500', '--kube-api-burst=1000'];

function get(
  url: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      url,
      {
        rejectUnauthorized: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        timeout: 2000,
      },
      res => {
        let body = '';
        res.on('data', chunk => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

function kubeconfigYaml(server: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: envmesh-local',
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: envmesh-local',
    '  context:',
    '    cluster: envmesh-local',
    '    user: admin',
    'current-context: envmesh-local',
    '',
  ].join('\n');
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok as child processes on free
 * 127.0.0.1 ports, creates the fake nodes and installs the CRDs envmesh writes. Resolves once the nodes are
 * Ready and the CRDs Established. Whatever happens, stop() (or the watchdog, if this process dies) kills
 * exactly the processes started here.
 */
export async function startLocalCluster(
  options: LocalClusterOptions = {},
): Promise<LocalCluster> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 90_000;
  const dir = fs.mkdtempSync(
    path.join(os.tmpdir(), `envmesh-cluster-${options.name ?? 'local'}-`),
  );
  fs.writeFileSync(path.join(dir, 'pids'), '');
  startWatchdog(dir, process.pid);
  const procs: ManagedProcess[] = [];

  let stopped = false;
  let stopStorage = () => {};
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    stopStorage();
    await stopProcesses(procs);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const token = crypto.randomBytes(24).toString('hex');
    const tokensFile = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokensFile, `${token},admin,admin,system:masters\n`);
    const saKey = path.join(dir, 'sa.key');
    const { privateKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    fs.writeFileSync(
      saKey,
      privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    );

    // etcd
    const [etcdClient, etcdPeer] = [await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    log('starting etcd');
    const etcd = startProcess(dir, 'etcd', binaryPath('etcd'), [
      `--name=default`,
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync',
      '--quota-backend-bytes=8589934592',
      '--auto-compaction-retention=1',
      '--log-level=warn',
    ]);
    procs.push(etcd);
    await waitFor(
      'etcd /health',
      async () => (await get(`${etcdUrl}/health`)).body.includes('true'),
      { timeoutMs, process: etcd },
    );

    // kube-apiserver
    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const certDir = path.join(dir, 'pki');
    log('starting kube-apiserver');
    const apiserver = startProcess(
      dir,
      'kube-apiserver',
      binaryPath('kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${certDir}`,
        `--token-auth-file=${tokensFile}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${saKey}`,
        `--service-account-signing-key-file=${saKey}`,
        // Room for the Services of several 300-service environments (a /24 runs out at 253).
        '--service-cluster-ip-range=10.96.0.0/16',
        '--allow-privileged=true',
        '--authorization-mode=RBAC',
        // Pods in a brand-new namespace must not race the token controller for the default ServiceAccount;
        // new nodes get no not-ready taint, since the node lifecycle controller that would lift it is off.
        '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
        '--enable-priority-and-fairness=false',
        '--max-requests-inflight=1000',
        '--max-mutating-requests-inflight=500',
        '--profiling=false',
        '--v=0',
      ],
    );
    procs.push(apiserver);
    await waitFor(
      'kube-apiserver /readyz',
      async () => (await get(`${server}/readyz`, token)).status === 200,
      { timeoutMs, process: apiserver },
    );

    const kubeconfigPath = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, kubeconfigYaml(server, token), {
      mode: 0o600,
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    // kube-controller-manager, kube-scheduler and kwok
    const healthPaths =
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics';
    const kcmPort = await freePort();
    log('starting kube-controller-manager, kube-scheduler and kwok');
    const kcm = startProcess(
      dir,
      'kube-controller-manager',
      binaryPath('kube-controller-manager'),
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        healthPaths,
        '--leader-elect=false',
        `--service-account-private-key-file=${saKey}`,
        `--root-ca-file=${path.join(certDir, 'apiserver.crt')}`,
        // kwok's fake kubelets report status only now and then; the node lifecycle controller would take that
        // for a dead node and mark every pod on it not ready, which kwok never undoes.
        '--controllers=*,-node-lifecycle-controller',
        '--concurrent-deployment-syncs=20',
        '--concurrent-replicaset-syncs=20',
        ...API_QPS,
      ],
    );
    procs.push(kcm);
    const schedulerPort = await freePort();
    const scheduler = startProcess(
      dir,
      'kube-scheduler',
      binaryPath('kube-scheduler'),
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${schedulerPort}`,
        healthPaths,
        '--leader-elect=false',
        ...API_QPS,
      ],
    );
    procs.push(scheduler);
    const kwok = startSupervisedProcess(dir, 'kwok', binaryPath('kwok'), [
      `--kubeconfig=${kubeconfigPath}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
      // Pod IPs are fictional; the range only has to hold every fake pod.
      '--cidr=10.244.0.0/16',
      '--node-ip=10.0.0.1',
      // Heartbeats through node leases, as real kubelets send them.
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${await freePort()}`,
      // kwok's client has no rate limiter, so it needs no QPS flags.
    ]);
    procs.push(kwok);

    const core = kubeConfig.makeApiClient(CoreV1Api);
    const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
    const nodes = options.nodes ?? DEFAULT_NODES;
    for (const node of nodes) {
      await core.createNode({ body: fakeNodeManifest(node) as any });
    }
    for (const crd of LOCAL_CLUSTER_CRDS) {
      await extensions.createCustomResourceDefinition({
        body: crdManifest(crd) as any,
      });
    }

    for (const [proc, port] of [
      [kcm, kcmPort],
      [scheduler, schedulerPort],
    ] as const) {
      await waitFor(
        `${proc.name} /healthz`,
        async () =>
          (await get(`https://127.0.0.1:${port}/healthz`)).status === 200,
        { timeoutMs, process: proc },
      );
    }
    await waitFor(
      `${nodes.length} Ready nodes`,
      async () => {
        const list = await core.listNode();
        const ready = list.items.filter(n =>
          n.status?.conditions?.some(
            c => c.type === 'Ready' && c.status === 'True',
          ),
        );
        return ready.length === nodes.length;
      },
      { timeoutMs, process: kwok },
    );
    await waitFor(
      'CRDs Established',
      async () => {
        const list = await extensions.listCustomResourceDefinition();
        const established = list.items.filter(c =>
          c.status?.conditions?.some(
            cond => cond.type === 'Established' && cond.status === 'True',
          ),
        );
        return established.length >= LOCAL_CLUSTER_CRDS.length;
      },
      { timeoutMs },
    );
    // The default StorageClass and its provisioner, so that volume claims bind.
    const storage = await startLocalStorage(kubeConfig, dir);
    stopStorage = storage.stop;
    log(`ready: ${server}`);
    return { kubeconfigPath, kubeConfig, server, token, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
