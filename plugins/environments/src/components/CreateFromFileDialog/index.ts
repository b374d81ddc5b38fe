export { CreateFromFileDialog } from './CreateFromFileDialog';
