export { LastOperation, LastOperationCacheProvider } from './LastOperation';
