import { CustomErrorBase } from '@backstage/errors';

/**
 * helm failed to render a chart (or show its values): a template error, values the chart cannot take, output
 * that is not YAML, or a helm run that was killed. Carries helm's own message. Backstage's error middleware
 * answers it with its `statusCode`, 502: the renderer the request depends on failed, not the request.
 *
 * @public
 */
export class ChartRenderError extends CustomErrorBase {
  name = 'ChartRenderError' as const;
  readonly statusCode = 502;
}
