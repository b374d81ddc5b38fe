export { BehindBaseNotice } from './BehindBaseNotice';
