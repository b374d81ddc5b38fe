import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { binaryPath } from '@envmesh/local-cluster';
import { mergeValues, ValuesObject } from '@envmesh/plugin-environments-common';
import { packageChart } from '../../registry/charts';
import { HelmRenderer } from '../../render';
import { parseYaml } from '../../render/yaml';

const examples = path.resolve(__dirname, '../../../../../examples');

/**
 * Renders the examples' generic service chart with real helm, as the engine does: a service's values.yaml
 * (`examples/services/<service>`) with `extra` values layered over it.
 */
export async function renderExampleService(
  service: string,
  options: { namespace?: string; extra?: ValuesObject } = {},
): Promise<KubernetesObject[]> {
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-features-'));
  const renderer = new HelmRenderer({ helmBinary: binaryPath('helm') });
  try {
    const chartDir = path.join(examples, 'charts/service');
    const chart = await packageChart(chartDir, chartDir, {
      binary: binaryPath('helm'),
      env: process.env,
      workDir: temp,
    });
    const serviceValues = parseYaml(
      await fs.readFile(
        path.join(examples, 'services', service, 'values.yaml'),
        'utf8',
      ),
    ) as ValuesObject;
    return await renderer.render({
      release: service,
      namespace: options.namespace ?? 'shop',
      chart: { digest: chart.digest, archive: chart.archive },
      values: mergeValues([
        { layer: 'service', values: serviceValues },
        { layer: 'override', values: options.extra ?? {} },
      ]).values,
    });
  } finally {
    await renderer.close();
    await fs.rm(temp, { recursive: true, force: true });
  }
}
