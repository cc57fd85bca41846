{{/* Names: <release> when it already contains the chart name, else <release>-<chart>. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sluice.operatorName" -}}
{{- printf "%s-operator" (include "sluice.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.natsName" -}}
{{- printf "%s-nats" (include "sluice.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- default (include "sluice.operatorName" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "sluice.leaseName" -}}
{{- default (include "sluice.operatorName" .) .Values.leaderElection.leaseName -}}
{{- end -}}

{{/* Labels every object carries; `component` names the part (operator, nats, ...). */}}
{{- define "sluice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "sluice.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: sluice
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* repository[:tag][@digest]; the digest wins when both are set. */}}
{{- define "sluice.imageRef" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .default .image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "sluice.image" -}}
{{- include "sluice.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) -}}
{{- end -}}

{{- define "sluice.runtimeImage" -}}
{{- default (include "sluice.image" .) .Values.runtime.image -}}
{{- end -}}

{{/* The bus URL handed to the runtime pods: fully qualified, since they run in other namespaces. */}}
{{- define "sluice.busUrl" -}}
{{- if and .Values.nats.enabled .Values.bus.nats.url -}}
{{- fail "bus: set either nats.enabled (the chart deploys NATS) or bus.nats.url (an existing NATS), not both" -}}
{{- else if .Values.bus.nats.url -}}
{{- .Values.bus.nats.url -}}
{{- else if .Values.nats.enabled -}}
{{- printf "nats://%s.%s.svc:4222" (include "sluice.natsName" .) .Release.Namespace -}}
{{- else -}}
{{- fail "bus: no NATS to use: set nats.enabled=true (the chart deploys one) or bus.nats.url=nats://host:4222 (an existing one)" -}}
{{- end -}}
{{- end -}}

{{/* Namespaces whose ingest pods get a NetworkPolicy. */}}
{{- define "sluice.ingestPolicyNamespaces" -}}
{{- if .Values.networkPolicy.ingest.namespaces -}}
{{- toJson .Values.networkPolicy.ingest.namespaces -}}
{{- else if .Values.watchNamespace -}}
{{- toJson (list .Values.watchNamespace) -}}
{{- else -}}
{{- toJson list -}}
{{- end -}}
{{- end -}}
