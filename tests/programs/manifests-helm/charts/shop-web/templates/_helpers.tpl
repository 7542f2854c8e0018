{{- define "shop-web.fullname" -}}
{{ .Release.Name }}-web
{{- end -}}
{{- define "shop-web.labels" -}}
app: {{ include "shop-web.fullname" . }}
{{- end -}}
