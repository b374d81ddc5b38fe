export { CostCard } from './CostCard';
export {
  EnvironmentCostCell,
  FeatureCost,
  ServiceCostCell,
} from './FeatureCost';
