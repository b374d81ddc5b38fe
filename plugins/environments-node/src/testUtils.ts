// From the package's main entry point, so that this entry point's API refers to the type there.
import type { EnvironmentsService } from '@envmesh/plugin-environments-node';

/**
 * An EnvironmentsService for tests of other plugins' modules: the given methods, and ones that fail loudly
 * for everything the test did not expect to be called.
 *
 * @public
 */
export function environmentsServiceMock(
  methods: Partial<EnvironmentsService>,
): EnvironmentsService {
  const unexpected = (name: string) => () =>
    Promise.reject(
      new Error(`EnvironmentsService.${name} was not expected in this test`),
    );
  return {
    listEnvironments: unexpected('listEnvironments'),
    getEnvironment: unexpected('getEnvironment'),
    createEnvironment: unexpected('createEnvironment'),
    copyEnvironment: unexpected('copyEnvironment'),
    exportEnvironment: unexpected('exportEnvironment'),
    getOperation: unexpected('getOperation'),
    listFeatures: unexpected('listFeatures'),
    getFeature: unexpected('getFeature'),
    getEnvironmentReachability: unexpected('getEnvironmentReachability'),
    deployFeature: unexpected('deployFeature'),
    removeFeature: unexpected('removeFeature'),
    featureNameFromBranch: unexpected('featureNameFromBranch'),
    ...methods,
  };
}
