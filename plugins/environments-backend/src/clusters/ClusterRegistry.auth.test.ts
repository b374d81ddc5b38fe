import { execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { ConfigReader } from '@backstage/config';
import { CoreV1Api } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { ClusterRegistry } from './ClusterRegistry';

/**
 * How a cluster of the Kubernetes plugin's config is reached, against the local cluster: its API server's
 * certificate verified with `caData` / `caFile` (its kubeconfig skips the check), and the credential of the
 * Kubernetes plugin's strategy for its `authProvider`, never the host's own kubeconfig.
 */

const local = yaml.load(
  fs.readFileSync(process.env.ENVMESH_TEST_KUBECONFIG!, 'utf8'),
) as any;
const server: string = local.clusters[0].cluster.server;
const token: string = local.users[0].user.token;

function registry(cluster: object) {
  return ClusterRegistry.fromConfig(
    new ConfigReader({
      kubernetes: {
        clusterLocatorMethods: [
          {
            type: 'config',
            clusters: [{ name: 'local', url: server, ...cluster }],
          },
        ],
      },
    }),
    { logger: mockServices.logger.mock() },
  );
}

function pem(der: Buffer) {
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

/** The root of the chain the API server presents (kube-apiserver's self-signed CA for its --cert-dir). */
async function servingCa(): Promise<string> {
  const { hostname, port } = new URL(server);
  const socket = tls.connect({
    host: hostname,
    port: Number(port),
    rejectUnauthorized: false,
  });
  await once(socket, 'secureConnect');
  let cert = socket.getPeerCertificate(true);
  socket.destroy();
  while (
    cert.issuerCertificate &&
    cert.issuerCertificate.fingerprint256 !== cert.fingerprint256
  ) {
    cert = cert.issuerCertificate;
  }
  return pem(cert.raw);
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

let dir: string;
let ca: string;
const kubeconfigBefore = process.env.KUBECONFIG;

beforeAll(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'envmesh-ca-'));
  ca = await servingCa();
});
afterAll(async () => {
  await fs.promises.rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  if (kubeconfigBefore === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = kubeconfigBefore;
});

describe('ClusterRegistry against the local cluster', () => {
  it("verifies the API server's certificate with caData", async () => {
    const clusters = registry({
      serviceAccountToken: token,
      caData: base64(ca),
    });
    await expect(clusters.status('local')).resolves.toEqual({
      reachable: true,
      version: expect.stringMatching(/^v1\./),
    });
    const namespaces = await clusters
      .kubeConfig('local')
      .makeApiClient(CoreV1Api)
      .listNamespace();
    expect(namespaces.items.map(n => n.metadata!.name)).toContain('default');
  });

  it('verifies it with caFile', async () => {
    const file = path.join(dir, 'ca.crt');
    await fs.promises.writeFile(file, ca);
    await expect(
      registry({ serviceAccountToken: token, caFile: file }).status('local'),
    ).resolves.toMatchObject({ reachable: true });
  });

  it('refuses the server without its CA, or with a CA that did not sign it, unless skipTLSVerify', async () => {
    const without = await registry({ serviceAccountToken: token }).status(
      'local',
    );
    expect(without).toEqual({
      reachable: false,
      error: expect.stringMatching(/certificate/i),
    });

    // Another self-signed CA, made with openssl.
    const key = path.join(dir, 'other.key');
    const cert = path.join(dir, 'other.crt');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=not-the-cluster-ca',
    ]);
    const other = await registry({
      serviceAccountToken: token,
      caData: base64(await fs.promises.readFile(cert, 'utf8')),
    }).status('local');
    expect(other).toEqual({
      reachable: false,
      error: expect.stringMatching(/certificate/i),
    });

    await expect(
      registry({ serviceAccountToken: token, skipTLSVerify: true }).status(
        'local',
      ),
    ).resolves.toMatchObject({ reachable: true });
  });

  it("never falls back to the host's kubeconfig: a serviceAccount cluster without a token is not reached", async () => {
    // A kubeconfig whose user the cluster knows: the old fallback would have listed namespaces with it.
    process.env.KUBECONFIG = process.env.ENVMESH_TEST_KUBECONFIG;
    const status = await registry({ caData: base64(ca) }).status('local');
    expect(status.reachable).toBe(false);
    // The Kubernetes plugin's ServiceAccountStrategy looks for the in-cluster token, which a backend outside a
    // pod does not have.
    expect(status.error).toMatch(
      /serviceaccount|token|loadFromCluster|ENOENT/i,
    );
  });

  it("lists a cluster whose authProvider needs the signed-in user's token as unavailable, with the reason", async () => {
    for (const authProvider of ['oidc', 'google', 'aks']) {
      const clusters = registry({ authProvider, caData: base64(ca) });
      expect(clusters.list()).toEqual([
        {
          name: 'local',
          url: server,
          unavailable: expect.stringContaining(
            `authProvider '${authProvider}' uses the signed-in user's token`,
          ),
        },
      ]);
      expect(() => clusters.kubeConfig('local')).toThrow(
        /^cluster 'local' is unavailable: authProvider/,
      );
      await expect(clusters.status('local')).resolves.toMatchObject({
        reachable: false,
        error: expect.stringContaining('is unavailable'),
      });
    }
  });

  it('authenticates with the provider named in authMetadata, as the Kubernetes plugin reads it', async () => {
    const clusters = registry({
      authMetadata: {
        'kubernetes.io/auth-provider': 'serviceAccount',
        serviceAccountToken: token,
      },
      caData: base64(ca),
    });
    await expect(clusters.status('local')).resolves.toMatchObject({
      reachable: true,
    });
  });
});
