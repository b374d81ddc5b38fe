export { TraceRequestCard } from './TraceRequestCard';
