import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import {
  EnvironmentSpec,
  EnvironmentSummary,
  FeatureBranchDetails,
  OperationReport,
} from '@envmesh/plugin-environments-common';
import {
  CopyEnvironmentRequest,
  CreateEnvironmentRequest,
  DeployFeatureRequest,
  EnvironmentExport,
  EnvironmentReachability,
} from '@envmesh/plugin-environments-common/client';
import { DefaultEnvironmentsService } from './DefaultEnvironmentsService';
import { environmentsServiceBridgeRef } from './EnvironmentsServiceBridge';
import { HttpEnvironmentsService } from './HttpEnvironmentsService';

/**
 * Whom a call is made for: the caller's credentials, which the engine authorizes and records mutations by
 * (a scaffolder action passes the task's initiator, a background task its own service credentials).
 *
 * @public
 */
export interface EnvironmentsRequestOptions {
  credentials: BackstageCredentials;
}

/**
 * What other backend plugins (scaffolder, search, catalog modules) can ask of the environments engine. The
 * bodies are the REST API's request models; mutations are authorized as the REST API authorizes them.
 *
 * @public
 */
export interface EnvironmentsService {
  listEnvironments(
    options: EnvironmentsRequestOptions,
  ): Promise<EnvironmentSummary[]>;
  /**
   * The desired state of one environment (its services, values and config; Secrets by key names only, their
   * values are never stored). Throws a NotFoundError for an unknown environment.
   */
  getEnvironment(
    name: string,
    options: EnvironmentsRequestOptions,
  ): Promise<EnvironmentSpec>;
  /**
   * Validates and records a new environment and starts its create operation (`POST /environments`); bad
   * input throws an InputError naming the field.
   */
  createEnvironment(
    body: CreateEnvironmentRequest,
    options: EnvironmentsRequestOptions,
  ): Promise<OperationReport>;
  /** Copies an environment (`POST /environments/:name/copy`) and starts the copy operation. */
  copyEnvironment(
    source: string,
    body: CopyEnvironmentRequest,
    options: EnvironmentsRequestOptions,
  ): Promise<OperationReport>;
  /**
   * The environment as files: its `envmesh.io/v1alpha1` Environment document (Secrets as key names only) and
   * its rendered manifests as kustomizations, for Git, Argo CD or Flux.
   */
  exportEnvironment(
    name: string,
    options: EnvironmentsRequestOptions,
  ): Promise<EnvironmentExport>;
  getOperation(
    id: string,
    options: EnvironmentsRequestOptions,
  ): Promise<OperationReport>;
  /** Feature branches, of one environment if given. */
  listFeatures(
    options: EnvironmentsRequestOptions & { environment?: string },
  ): Promise<FeatureBranchDetails[]>;
  /** Throws a NotFoundError for an unknown feature branch. */
  getFeature(
    name: string,
    options: EnvironmentsRequestOptions,
  ): Promise<FeatureBranchDetails>;
  /**
   * The pre-flight of a feature branch about to be deployed: which of the services' feature instances a
   * request with the routing header would reach from the entry (the environment's preview service unless
   * named), and how the environment's services carry the header.
   */
  getEnvironmentReachability(
    name: string,
    options: EnvironmentsRequestOptions & {
      entry?: string;
      instances?: string[];
    },
  ): Promise<EnvironmentReachability>;
  /**
   * Creates a feature branch, or adds/replaces instances of an existing one (`POST /features`), and starts
   * its deploy-feature operation.
   */
  deployFeature(
    body: DeployFeatureRequest,
    options: EnvironmentsRequestOptions,
  ): Promise<{ feature: FeatureBranchDetails; operation: OperationReport }>;
  /** Removes the given instances, or the whole feature branch, by a remove-feature operation. */
  removeFeature(
    name: string,
    options: EnvironmentsRequestOptions & { services?: string[] },
  ): Promise<OperationReport>;
  /**
   * The feature name a branch deploys as by the push webhooks' rule (`environments.webhooks.branchPattern` and
   * `featureName`), or undefined when the branch yields no valid feature name.
   */
  featureNameFromBranch(
    branch: string,
    options: EnvironmentsRequestOptions,
  ): Promise<string | undefined>;
}

/**
 * The environments engine, for modules of other plugins: in process when the environments backend plugin
 * runs in the same backend, else its REST API (found by discovery, called with a token on behalf of the
 * caller's credentials).
 *
 * @public
 */
export const environmentsServiceRef = createServiceRef<EnvironmentsService>({
  id: 'envmesh.environments.service',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        bridge: environmentsServiceBridgeRef,
      },
      factory: ({ discovery, auth, bridge }) =>
        new DefaultEnvironmentsService({
          bridge,
          http: new HttpEnvironmentsService({ discovery, auth }),
        }),
    }),
});
