export { ChartRenderError, HelmRenderer } from './HelmRenderer';
export type {
  ChartArchiveRef,
  HelmRendererOptions,
  HelmRendererStats,
  RenderRequest,
} from './HelmRenderer';
export { layerServiceValues } from './layerValues';
export type { LayerServiceValuesInput } from './layerValues';
