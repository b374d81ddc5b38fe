export { DesiredState, manifestHash, renderSource } from './DesiredState';
export type { DesiredRelease, InstanceOptions } from './DesiredState';
export { previewGateway, secretRefs } from './environmentObjects';
export { hostRef, isolationMode, routingRefs } from './releaseRoutes';
