import fs from 'node:fs/promises';
import path from 'node:path';

async function writeFiles(root: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
  }
}

/**
 * A chart that uses what `helm template` prints beyond plain manifests: CRDs (crds/), hooks with weights, a
 * test hook, a subchart behind a condition, NOTES.txt, `.Capabilities`, `.Release.Namespace`, `tpl`, `.Files`,
 * `lookup` and `required`; it is deprecated (helm warns). Values switch on its failures: `failWith` (a
 * `fail`), `brokenYaml` (a template that is not YAML) and an empty `message` (a `required`); a table for
 * `label` makes helm warn.
 */
export async function writeKitchenSinkChart(root: string): Promise<string> {
  const dir = path.join(root, 'kitchen-sink');
  await writeFiles(dir, {
    'Chart.yaml': `apiVersion: v2
name: kitchen-sink
version: 0.2.0
kubeVersion: ">=1.19.0-0"
deprecated: true
dependencies:
  - name: sub
    version: 0.1.0
    condition: sub.enabled
`,
    'values.yaml': `message: "hello from {{ .Release.Name }}"
table:
  a: 1
  b: [x, y]
failWith: ""
brokenYaml: false
label: plain
sub:
  enabled: true
`,
    'files/data.txt': 'line one\nline two\n',
    'crds/widgets.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets, singular: widget }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`,
    'templates/NOTES.txt': 'Installed {{ .Release.Name }}.\n',
    'templates/configmap.yaml': `{{- if .Values.failWith }}{{ fail .Values.failWith }}{{ end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-info
  namespace: {{ .Release.Namespace }}
data:
  message: {{ tpl (required "message is required" .Values.message) . | quote }}
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
  istio: {{ .Capabilities.APIVersions.Has "networking.istio.io/v1" | quote }}
  helmVersion: {{ .Capabilities.HelmVersion.Version | quote }}
  lookup: {{ lookup "v1" "Namespace" "" "default" | toJson | quote }}
  file: {{ .Files.Get "files/data.txt" | quote }}
  table: |
    {{- toYaml .Values.table | nindent 4 }}
`,
    'templates/widget.yaml': `apiVersion: example.com/v1
kind: Widget
metadata:
  name: {{ .Release.Name }}
spec:
  size: 3
`,
    'templates/hooks.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: migrate, image: busybox:1.36 }]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-after
  annotations:
    helm.sh/hook: post-install
    helm.sh/hook-weight: "5"
data: {}
`,
    'templates/tests/test-ping.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers: [{ name: ping, image: busybox:1.36 }]
`,
    'templates/broken.yaml': `{{- if .Values.brokenYaml }}
kind: ConfigMap
data: [unclosed
{{- end }}
`,
    'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n',
    'charts/sub/values.yaml': 'greeting: hi\n',
    'charts/sub/templates/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-sub
data:
  greeting: {{ .Values.greeting }}
`,
  });
  return dir;
}

/** Charts helm refuses: a library chart, and one whose dependency is missing from charts/. */
export async function writeRefusedCharts(
  root: string,
): Promise<{ library: string; missingDependency: string }> {
  const library = path.join(root, 'library');
  await writeFiles(library, {
    'Chart.yaml':
      'apiVersion: v2\nname: library\nversion: 0.1.0\ntype: library\n',
    'templates/_helpers.tpl': '{{- define "library.name" -}}x{{- end }}\n',
  });
  const missingDependency = path.join(root, 'missing-dependency');
  await writeFiles(missingDependency, {
    'Chart.yaml': `apiVersion: v2
name: missing-dependency
version: 0.1.0
dependencies:
  - name: absent
    version: 1.0.0
    repository: file://../absent
`,
    'templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
  });
  return { library, missingDependency };
}
