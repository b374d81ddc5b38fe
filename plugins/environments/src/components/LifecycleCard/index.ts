export { LifecycleCard } from './LifecycleCard';
