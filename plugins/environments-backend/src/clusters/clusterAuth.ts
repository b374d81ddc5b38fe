import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  AnonymousStrategy,
  AwsIamStrategy,
  AzureIdentityStrategy,
  GoogleServiceAccountStrategy,
} from '@backstage/plugin-kubernetes-backend';
import { KubeConfig } from '@kubernetes/client-node';
import fs from 'node:fs';
import { ANNOTATION_KUBERNETES_AUTH_PROVIDER } from '@backstage/plugin-kubernetes-common';
import type {
  AuthenticationStrategy,
  ClusterDetails,
} from '@backstage/plugin-kubernetes-node';

/**
 * Auth providers whose credential is the signed-in user's own token (the Kubernetes plugin passes it from the
 * browser): envmesh's operations run in the background, with no user to ask.
 */
const USER_TOKEN_PROVIDERS = new Set(['google', 'oidc', 'aks']);

/**
 * The Kubernetes plugin's `serviceAccount` rule: the cluster's `serviceAccountToken`, else the token of the
 * pod the backend runs in. Its ServiceAccountStrategy loads client-node with a dynamic import, which jest's
 * CommonJS runtime (every test of this plugin) cannot run, so the same rule is written out here.
 */
const serviceAccountStrategy: AuthenticationStrategy = {
  async getCredential(details) {
    const token = details.authMetadata.serviceAccountToken;
    if (token) return { type: 'bearer token', token };
    const inCluster = new KubeConfig();
    inCluster.loadFromCluster();
    const tokenFile =
      inCluster.getCurrentUser()?.authProvider?.config?.tokenFile;
    return {
      type: 'bearer token',
      token: fs.readFileSync(tokenFile).toString(),
    };
  },
  validateCluster: () => [],
  presentAuthMetadata: () => ({}),
};

/** How a cluster authenticates, or why envmesh cannot use it. */
export type ClusterAuth =
  | { strategy: AuthenticationStrategy }
  | { unavailable: string };

/**
 * The Kubernetes plugin's own server-side strategy for a cluster's `authProvider` (serviceAccount, aws, azure,
 * googleServiceAccount, localKubectlProxy), built the way kubernetes-backend builds them, so a cluster is
 * reached with the same credentials the Kubernetes plugin uses. There is no fallback: a provider it cannot run
 * makes the cluster unavailable, with the reason.
 */
export function clusterAuthFor(
  details: ClusterDetails,
  deps: { config: Config; logger: LoggerService },
): ClusterAuth {
  const provider = details.authMetadata[ANNOTATION_KUBERNETES_AUTH_PROVIDER];
  let strategy: AuthenticationStrategy | undefined;
  switch (provider) {
    case 'serviceAccount':
      strategy = serviceAccountStrategy;
      break;
    case 'aws':
      strategy = new AwsIamStrategy({ config: deps.config });
      break;
    case 'azure':
      strategy = new AzureIdentityStrategy(deps.logger);
      break;
    case 'googleServiceAccount':
      strategy = new GoogleServiceAccountStrategy({ config: deps.config });
      break;
    case 'localKubectlProxy':
      strategy = new AnonymousStrategy();
      break;
    default:
      return {
        unavailable: USER_TOKEN_PROVIDERS.has(provider)
          ? `authProvider '${provider}' uses the signed-in user's token; envmesh's operations run in the background without one (use serviceAccount, aws, azure or googleServiceAccount)`
          : `authProvider '${provider}' is not one envmesh can use (serviceAccount, aws, azure, googleServiceAccount, localKubectlProxy)`,
      };
  }
  const errors = strategy.validateCluster(details.authMetadata);
  return errors.length
    ? { unavailable: errors.map(e => e.message).join('; ') }
    : { strategy };
}
