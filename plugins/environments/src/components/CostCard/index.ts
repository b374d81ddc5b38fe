export { CostCard } from './CostCard';
export { EnvironmentCostCell, FeatureCost } from './FeatureCost';
