export { DesiredState, manifestHash } from './DesiredState';

export { previewGateway, secretRefs } from './environmentObjects';
export { hostRef, isolationMode, routingRefs } from './releaseRoutes';
