export { ReachabilityCard } from './ReachabilityCard';
export { PropagationCard } from './PropagationCard';
