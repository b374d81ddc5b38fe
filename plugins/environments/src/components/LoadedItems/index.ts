export { LoadedItems } from './LoadedItems';
export { LoadedList } from './LoadedList';
