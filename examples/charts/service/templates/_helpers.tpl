{{/*
Service name: the release name (the release name is the service name).
*/}}
{{- define "service.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "service.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}

{{/*
Selector labels: used by the Deployment selector and the pod template.
A feature instance keeps app.kubernetes.io/name and changes app.kubernetes.io/instance
(e.g. demo-api.feature-31337).
*/}}
{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service.name" . }}
app.kubernetes.io/instance: {{ include "service.name" . }}
{{- end -}}

{{/*
Pod template labels.
*/}}
{{- define "service.podLabels" -}}
{{ include "service.selectorLabels" . }}
app: {{ include "service.name" . }}
{{- end -}}

{{/*
Common labels for object metadata.
*/}}
{{- define "service.labels" -}}
{{ include "service.podLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 | quote }}
helm.sh/chart: {{ include "service.chart" . }}
{{- end -}}

{{/*
Directory where the config entries are mounted.
*/}}
{{- define "service.configDir" -}}
{{- printf "/etc/%s/config" (include "service.name" .) -}}
{{- end -}}
