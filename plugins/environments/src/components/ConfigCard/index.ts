export { ConfigCard } from './ConfigCard';
