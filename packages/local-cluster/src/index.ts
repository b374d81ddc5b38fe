/**
 * A real local Kubernetes control plane on 127.0.0.1 for envmesh's tests and `make dev`.
 *
 * @packageDocumentation
 */

export { startLocalCluster } from './startLocalCluster';
export type { LocalCluster, LocalClusterOptions } from './startLocalCluster';
export { binaryPath, binDir } from './binaries';
export type { LocalClusterBinary } from './binaries';
export { FEATURE_NODE_POOL, DEFAULT_NODES } from './nodes';
export type { FakeNodeSpec } from './nodes';
export { LOCAL_CLUSTER_CRDS } from './crds';
export { createTestNamespace, testKubeConfig } from './testing';
export { startLocalPostgres } from './postgres';
export type { LocalPostgres } from './postgres';
