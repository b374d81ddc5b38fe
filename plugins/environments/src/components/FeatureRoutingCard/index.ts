export { FeatureRoutingCard, ROUTING_CHIPS_SHOWN } from './FeatureRoutingCard';
