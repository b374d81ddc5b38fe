export { PreviewedYamlEditor } from './PreviewedYamlEditor';
