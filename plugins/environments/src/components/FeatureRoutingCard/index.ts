export { FeatureRoutingCard } from './FeatureRoutingCard';
