export { FeatureJanitor } from './FeatureJanitor';
