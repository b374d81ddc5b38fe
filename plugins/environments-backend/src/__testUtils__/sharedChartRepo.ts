import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A services repository of one shared chart, a Deployment (`replicas`, with the given containers) and the
 * Service that selects its pods, and a folder per service with its values.yaml and, when given, service.yaml.
 * Answers the repository's folder, for `startImportedBackend`.
 */
export function writeSharedChartRepo(options: {
  /** The chart's own values.yaml. */
  defaults: string;
  /** The Deployment's `replicas:`, a number or a template expression. */
  replicas: string;
  /** The pod's containers: the items under `containers:`, indented by 8 spaces. */
  containers: string;
  services: Record<string, { values: string; serviceYaml?: string }>;
}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-shared-chart-'));
  const chart = path.join(root, 'chart');
  fs.mkdirSync(path.join(chart, 'templates'), { recursive: true });
  fs.writeFileSync(
    path.join(chart, 'Chart.yaml'),
    'apiVersion: v2\nname: svc\nversion: 0.1.0\n',
  );
  fs.writeFileSync(path.join(chart, 'values.yaml'), options.defaults);
  fs.writeFileSync(
    path.join(chart, 'templates/workload.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: ${options.replicas}
  selector:
    matchLabels: { app: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app: {{ .Release.Name }}, app.kubernetes.io/instance: {{ .Release.Name }} }
    spec:
      containers:
${options.containers}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: { app: {{ .Release.Name }} }
  ports: [{ name: http, port: 80 }]
`,
  );
  for (const [name, service] of Object.entries(options.services)) {
    const dir = path.join(root, 'services', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'values.yaml'), service.values);
    if (service.serviceYaml) {
      fs.writeFileSync(path.join(dir, 'service.yaml'), service.serviceYaml);
    }
  }
  return root;
}
