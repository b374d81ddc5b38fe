export { SleepButton } from './SleepButton';
