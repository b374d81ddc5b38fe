// Names and labels that several folders give Kubernetes objects (features build the objects, routing points at
// them, orchestration finds them again); kept here so that none of those folders imports another for them.
export { INSTANCE_LABEL } from './labels';
export {
  NAME_LIMIT,
  instanceRelease,
  instanceServiceName,
  isInstanceRelease,
  suffixedName,
} from './names';
