export { ChartRenderError } from './ChartRenderError';
export { HelmRenderer } from './HelmRenderer';
export type { ChartArchiveRef } from './HelmProcess';
export type {
  HelmRendererOptions,
  HelmRendererStats,
  RenderRequest,
} from './HelmRenderer';
export { layerServiceValues } from './layerValues';
export type { LayerServiceValuesInput } from './layerValues';
