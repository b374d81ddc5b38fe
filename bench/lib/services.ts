import fs from 'node:fs';
import path from 'node:path';

/*
 * The services repository the benchmarks generate: the example chart shared by N services.
 */

export function serviceName(i: number) {
  return `svc-${String(i).padStart(4, '0')}`;
}

/**
 * Writes <dir>/chart (copy of examples/charts/service) and <dir>/services/svc-NNNN/{values,service}.yaml.
 * With `headless`, the copy's Service gets `clusterIP: None` (a local cluster's service range has room for a few hundred ClusterIPs).
 */
export function generateServices(
  dir: string,
  n: number,
  headless: boolean,
): string[] {
  const chartDir = path.join(dir, 'chart');
  fs.cpSync(path.resolve('examples/charts/service'), chartDir, {
    recursive: true,
  });
  if (headless) {
    const file = path.join(chartDir, 'templates', 'service.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const patched = text.replace(/^spec:\n/m, 'spec:\n  clusterIP: None\n');
    if (patched === text)
      throw new Error(`cannot make ${file} headless: no 'spec:' line`);
    fs.writeFileSync(file, patched);
  }
  const group0 = Math.max(1, Math.floor(n / 10));
  const names: string[] = [];
  for (let i = 1; i <= n; i++) {
    const name = serviceName(i);
    names.push(name);
    const folder = path.join(dir, 'services', name);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(
      path.join(folder, 'values.yaml'),
      [
        'image:',
        `  repository: ghcr.io/envmesh-bench/${name}`,
        `  tag: "1.${n}.${i}"`,
        'env:',
        `  SERVICE_NAME: ${name}`,
        'config:',
        `  LOG_LEVEL: info`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(folder, 'service.yaml'),
      [`name: ${name}`, `startupGroup: ${i <= group0 ? 0 : 1}`, ''].join('\n'),
    );
  }
  return names;
}
