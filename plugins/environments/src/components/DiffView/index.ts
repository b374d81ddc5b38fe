export { DiffView } from './DiffView';
export { SaveHint } from './SaveHint';
