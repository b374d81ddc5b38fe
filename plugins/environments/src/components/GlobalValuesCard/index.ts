export { GlobalValuesCard } from './GlobalValuesCard';
