import { fireEvent, screen, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import {
  demoMergedValues,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { MergedValuesDialog } from './MergedValuesDialog';

jest.setTimeout(30_000);

function renderDialog(api: Partial<EnvironmentsApi>) {
  return renderWithApis(
    <MergedValuesDialog name="demo" service="demo-api" onClose={() => {}} />,
    { api },
  );
}

/** The row of the values table whose path is `path`. */
const rowOf = (path: string) => screen.getByText(path).closest('tr')!;

describe('MergedValuesDialog', () => {
  it('shows progress while the values load', async () => {
    await renderDialog({ getServiceValues: () => new Promise(() => {}) });

    expect(
      within(screen.getByRole('dialog')).getByTestId('progress'),
    ).toBeInTheDocument();
  });

  it("shows helm's reason when the chart cannot be rendered", async () => {
    await renderDialog({
      getServiceValues: () =>
        responseError(
          502,
          'ChartRenderError',
          'helm template demo-api failed: nil pointer evaluating .Values.image',
        ),
    });

    expect(
      (await screen.findAllByText(/nil pointer evaluating \.Values\.image/))
        .length,
    ).toBeGreaterThan(0);
  });

  it('says when the service has no values', async () => {
    await renderDialog({
      getServiceValues: async () => ({ values: {}, provenance: {} }),
    });

    expect(
      await screen.findByText('The service has no values.'),
    ).toBeInTheDocument();
  });

  it('shows every leaf with its value and the layer that set it', async () => {
    await renderDialog({ getServiceValues: async () => demoMergedValues });

    expect(await screen.findByText('5 values')).toBeInTheDocument();
    const expected: Array<[string, string, string]> = [
      ['image.repository', 'registry.local/demo-api', 'chart'],
      ['image.tag', '1.4.0', 'key/value'],
      ['replicaCount', '2', 'service'],
      ['env.LOG_LEVEL', 'info', 'environment'],
      ['env.FEATURE_X', 'on', 'key/value'],
    ];
    for (const [path, value, layer] of expected) {
      const row = rowOf(path);
      expect(within(row).getByText(value)).toBeInTheDocument();
      expect(within(row).getByText(layer)).toBeInTheDocument();
    }
  });

  it('shows the rendered manifest on its tab', async () => {
    const getServiceManifest = jest.fn(
      async () => 'apiVersion: apps/v1\nkind: Deployment\n',
    );
    await renderDialog({
      getServiceValues: async () => demoMergedValues,
      getServiceManifest,
    });

    fireEvent.click(screen.getByRole('tab', { name: 'Rendered manifest' }));

    expect(await screen.findByText(/kind: Deployment/)).toBeInTheDocument();
    expect(getServiceManifest).toHaveBeenCalledWith('demo', 'demo-api');
  });

  it("shows a feature instance's values, its own layer on top, without a manifest tab", async () => {
    const asked: string[][] = [];
    await renderWithApis(
      <MergedValuesDialog
        name="demo"
        service="demo-api"
        feature="feature-31337"
        onClose={() => {}}
      />,
      {
        api: {
          getInstanceValues: async (feature, service) => {
            asked.push([feature, service]);
            return {
              values: { image: { tag: '2.0.0-rc1' }, replicaCount: 2 },
              provenance: { 'image.tag': 'feature', replicaCount: 'service' },
            };
          },
        },
      },
    );

    expect(await screen.findByText('2 values')).toBeInTheDocument();
    expect(asked).toEqual([['feature-31337', 'demo-api']]);
    expect(
      within(rowOf('image.tag')).getByText('feature instance'),
    ).toBeInTheDocument();
    expect(screen.getByText('demo-api in feature-31337')).toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Rendered manifest' })).toBeNull();
  });
});
