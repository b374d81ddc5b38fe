export { examples, startRealEngine } from './realEngine';
export type { RealEngine } from './realEngine';
