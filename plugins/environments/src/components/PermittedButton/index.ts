export { PermittedButton } from './PermittedButton';
export type { PermittedButtonProps } from './PermittedButton';
