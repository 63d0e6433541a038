#!/usr/bin/env bash
# The Helm chart (deploy/helm/churnml) and the plain manifests (deploy/k8s),
# verified without a cluster or a helm binary: the chart renders with its
# documented value combinations (deploy/helm/churnml/ci/*.yaml) through
# deploy/helm/tools/render.mjs (a tested Go-template subset), every rendered
# object validates against the Kubernetes API schemas (kubernetes-models),
# the objects carry what the deployment needs (probes, drain timing, security
# context, limits), deploy/k8s/churnml.yaml is the current default render,
# and `churnml audit deploy/` reports no Kubernetes findings.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/chart_lib.sh"
source "$HERE/lib.sh"

# --- the renderer: Go-template semantics it relies on, and its refusals ----
mkdir -p t/templates
printf 'apiVersion: v2\nname: t\nversion: 1.0.0\nappVersion: "2"\n' >t/Chart.yaml
printf 'a: 1\nlist: [x, "y z"]\nmap: {b: 2, a: 1}\non: false\n' >t/values.yaml
cat >t/templates/_h.tpl <<'EOF'
{{- define "t.name" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end -}}
EOF
cat >t/templates/x.yaml <<'EOF'
name: {{ include "t.name" . }}
a: {{ .Values.a | quote }}
{{- if .Values.on }}
on: yes
{{- else }}
on: no
{{- end }}
items:
{{- range .Values.list }}
  - {{ . | quote }}
{{- end }}
map:
  {{- toYaml .Values.map | nindent 2 }}
EOF
run render t --release r
expect_status 0 "render a small chart"
cat >expected.yaml <<'EOF'
---
# Source: t/templates/x.yaml
name: r-t
a: "1"
on: no
items:
  - "x"
  - "y z"
map:
  a: 1
  b: 2
EOF
if diff -u expected.yaml "$WORK/out" >diff.txt; then pass; else fail "render output: $(cat diff.txt)"; fi
printf 'on: true\n' >on.yaml
run render t -f on.yaml
expect_contains "$WORK/out" "on: yes" "a values file overrides values.yaml"
printf 'x: {{ .Values.nothing }}\n' >t/templates/x.yaml
run render t
expect_status 2 "a missing value is an error"
expect_contains "$WORK/err" "templates/x.yaml:1" "the error names the template and line"
printf '{{ with .Values.a }}{{ . }}{{ end }}\n' >t/templates/x.yaml
run render t
expect_status 2 "an unsupported construct is an error"

# --- the validator rejects what the API server would ------------------------
cat >bad.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: c
          image: i
          resources: {limits: {cpu: "lots"}}
EOF
run validate bad.yaml
expect_status 1 "a resource quantity that is not one fails validation"
expect_contains "$WORK/out" "INVALID" "named as invalid"
printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' >unknown.yaml
run validate unknown.yaml
expect_status 1 "an unknown kind fails validation"

# --- every documented value combination renders and validates ---------------
for values in "$CHART"/ci/*.yaml; do
  combo=$(basename "$values" .yaml)
  run render "$CHART" -f "$values"
  expect_status 0 "render with $combo"
  cp "$WORK/out" "$combo.yaml"
  run validate "$combo.yaml"
  expect_status 0 "every object of $combo validates"
  grep -q '^INVALID' "$WORK/out" && fail "$combo: $(grep '^INVALID' "$WORK/out" | head -3)"
  as_json "$combo.yaml" >"$combo.json"
done
kinds() { jq -r '[.[].kind] | sort | join(",")' "$1.json"; }
expect_eq "$(kinds default-values)" \
  "ConfigMap,CronJob,CronJob,Deployment,Deployment,HorizontalPodAutoscaler,PodDisruptionBudget,Service" \
  "defaults: HPA, PDB, two CronJobs, serve and worker Deployments"
expect_eq "$(kinds keda-values)" "ConfigMap,Deployment,PodDisruptionBudget,ScaledObject,Service,ServiceMonitor" \
  "keda: a ScaledObject instead of the HPA, a ServiceMonitor"
expect_eq "$(kinds static-values)" "ConfigMap,CronJob,CronJob,Deployment,Deployment,Service" \
  "static: no autoscaler, no PDB"

# --- what the serve Deployment must carry -----------------------------------
serve='.[] | select(.kind == "Deployment" and .metadata.name == "churnml")'
field() { jq -r "$serve | $2" "$1.json"; }
c='.spec.template.spec.containers[0]'
expect_eq "$(field default-values "$c.livenessProbe.httpGet.path")" /v2/health/live "liveness probe"
expect_eq "$(field default-values "$c.readinessProbe.httpGet.path")" /v2/health/ready "readiness probe"
expect_eq "$(field default-values "$c.securityContext.readOnlyRootFilesystem")" true "read-only root"
expect_eq "$(field default-values "$c.securityContext.allowPrivilegeEscalation")" false "no privilege escalation"
expect_eq "$(field default-values ".spec.template.spec.securityContext.runAsNonRoot")" true "non-root pod"
expect_eq "$(field default-values "$c.resources.limits.memory")" 256Mi "memory limit"
expect_eq "$(field default-values "$c.lifecycle.preStop.exec.command | join(\" \")")" "sleep 10" "preStop delay"
grace=$(field default-values ".spec.template.spec.terminationGracePeriodSeconds")
drain=$(field default-values "$c.args as \$a | \$a[(\$a | index(\"--drain-timeout\")) + 1]")
if [[ $grace =~ ^[0-9]+$ && $drain =~ ^[0-9]+$ ]] && ((grace > 10 + drain)); then pass; else
  fail "grace '$grace' s does not cover preStop 10 s + drain '$drain' s"
fi
expect_eq "$(field default-values ".spec | has(\"replicas\")")" false "the HPA owns the replica count"
expect_eq "$(field static-values ".spec.replicas")" 2 "replicaCount without an autoscaler"
expect_eq "$(field static-values "$c.args | index(\"--alerts\") != null")" true "alert rules passed to serve"
expect_eq "$(field static-values "$c.args[-2:] | join(\" \")")" "--rate-limit 1000" "extra serve flags"
expect_eq "$(jq -r '.[] | select(.kind == "ConfigMap") | .data["rules.yaml"] | length > 0' static-values.json)" true \
  "rules.yaml in the ConfigMap"
expect_eq "$(field default-values "$c.env[] | select(.name == \"CHURNML_STORE\") | .valueFrom.secretKeyRef.name")" \
  churnml-store "the store URI comes from a Secret"
if grep -qiE 'password|postgresql://' default-values.yaml; then fail "a credential in the manifests"; else pass; fi
expect_eq "$(jq -r '.[] | select(.kind == "HorizontalPodAutoscaler") | .spec.behavior.scaleDown.stabilizationWindowSeconds' default-values.json)" \
  300 "HPA scale-down stabilization"
sel=$(jq -c '.[] | select(.kind == "Service") | .spec.selector' default-values.json)
labels=$(jq -c "$serve | .spec.template.metadata.labels" default-values.json)
expect_eq "$(jq -n --argjson s "$sel" --argjson l "$labels" '$s | to_entries | all(.value == $l[.key])')" true \
  "the Service selects the serve pods"
expect_eq "$(jq -r '[.[] | select(.kind == "CronJob") | .spec.jobTemplate.spec.template.spec.containers[0].args[0]] | join(",")' default-values.json)" \
  "drift,retrain" "the nightly drift check and retrain"

# The churnml.yaml the chart mounts is one churnml reads (a bad key would be an error).
jq -r '.[] | select(.kind == "ConfigMap") | .data["churnml.yaml"]' default-values.json >churnml.yaml
run "$CHURNML" --config churnml.yaml serve --model "$WORK/no-such-model" --port 0
expect_status 2 "serve with the chart's churnml.yaml"
if grep -q "churnml.yaml" "$WORK/err"; then fail "the chart's churnml.yaml is refused: $(cat "$WORK/err")"; else pass; fi

# --- the plain manifests are the current default render ---------------------
render "$CHART" >fresh.yaml
if diff <(grep -v '^#' "$ROOT/deploy/k8s/churnml.yaml") <(grep -v '^#' fresh.yaml) >diff.txt; then pass; else
  fail "deploy/k8s/churnml.yaml is stale; render it again: $(head -20 diff.txt)"
fi
run validate "$ROOT/deploy/k8s/churnml.yaml"
expect_status 0 "deploy/k8s validates"

# --- churnml audit: no Kubernetes findings in deploy/; the checks can fire ---
run "$CHURNML" audit "$ROOT/deploy" --format json --exit-zero
expect_status 0 "audit deploy/"
expect_eq "$(jq '[.findings[] | select(.rule_id | startswith("CML-K"))] | length' "$WORK/out")" 0 \
  "no Kubernetes or Dockerfile findings in deploy/"
mkdir -p weak
grep -v -e 'runAsNonRoot' -e 'limits:' "$ROOT/deploy/k8s/churnml.yaml" >weak/churnml.yaml
run "$CHURNML" audit weak --format json --exit-zero
expect_eq "$(jq -r '[.findings[].rule_id | select(startswith("CML-K"))] | unique | join(",")' "$WORK/out")" "CML-K022,CML-K023" \
  "without runAsNonRoot and limits the audit finds both"

finish
