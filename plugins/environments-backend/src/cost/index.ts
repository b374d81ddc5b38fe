export { CostLedger } from './CostLedger';
export { ConfigCostSource } from './ConfigCostSource';
