#!/usr/bin/env bash
# The chart's wiring of churnml's recommendation into Kubernetes' engines,
# verified without a cluster: with autoscaling.signal=recommendation the
# chart renders (deploy/helm/tools/render.mjs) an in-cluster `churnml
# autoscale run` (Deployment + metrics Service + a headless Service of the
# serve pods for --discover) and either an HPA v2 External metric or a KEDA
# Prometheus trigger on churnml_autoscale_desired_replicas; every object
# validates against the published schemas (kubernetes-models,
# @kubernetes-models/keda); and the autoscaler's rendered arguments run
# as-is with the real binary against a real replica (the headless Service
# name replaced by localhost, $(POD_IP) by 127.0.0.1).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/chart_lib.sh"
source "$HERE/lib.sh"

for combo in hpa-recommendation-values keda-recommendation-values default-values; do
  run render "$CHART" -f "$CHART/ci/$combo.yaml"
  expect_status 0 "render $combo"
  cp "$WORK/out" "$combo.yaml"
  run validate "$combo.yaml"
  expect_status 0 "every object of $combo validates against its schema"
  as_json "$combo.yaml" >"$combo.json"
done
kinds() { jq -r '[.[].kind] | sort | join(",")' "$1.json"; }
expect_eq "$(kinds hpa-recommendation-values)" \
  "ConfigMap,CronJob,CronJob,Deployment,Deployment,Deployment,HorizontalPodAutoscaler,PodDisruptionBudget,Service,Service,Service,ServiceMonitor,ServiceMonitor" \
  "hpa + recommendation: the autoscaler Deployment, its Service, the headless Service, two ServiceMonitors"
expect_eq "$(kinds keda-recommendation-values)" \
  "ConfigMap,Deployment,Deployment,PodDisruptionBudget,ScaledObject,Service,Service,Service,ServiceMonitor,ServiceMonitor" \
  "keda + recommendation"
expect_eq "$(jq -r '[.[] | select(.metadata.name == "churnml-autoscaler")] | length' default-values.json)" 0 \
  "no autoscaler with the default (builtin) signal"

hpa='.[] | select(.kind == "HorizontalPodAutoscaler") | .spec'
expect_eq "$(jq -r "$hpa | .metrics[0].type" hpa-recommendation-values.json)" External "HPA on an External metric"
expect_eq "$(jq -r "$hpa | .metrics[0].external.metric.name" hpa-recommendation-values.json)" \
  churnml_autoscale_desired_replicas "the metric is the recommendation"
expect_eq "$(jq -r "$hpa | .metrics[0].external.target.averageValue" hpa-recommendation-values.json)" 1 \
  "AverageValue 1: HPA's replica count is the recommendation"
expect_eq "$(jq -r "$hpa | .behavior.scaleDown.stabilizationWindowSeconds" hpa-recommendation-values.json)" 0 \
  "no second stabilization window on top of churnml's"
keda='.[] | select(.kind == "ScaledObject") | .spec.triggers[0]'
expect_eq "$(jq -r "$keda | .metadata.query" keda-recommendation-values.json)" \
  'max(churnml_autoscale_desired_replicas{service="churnml-autoscaler"})' "KEDA queries the recommendation"
expect_eq "$(jq -r "$keda | .metricType + \" \" + .metadata.threshold" keda-recommendation-values.json)" \
  "AverageValue 1" "KEDA: replicas = the recommendation"
expect_eq "$(jq -r '.[] | select(.kind == "Service" and .metadata.name == "churnml-replicas") | .spec.clusterIP' hpa-recommendation-values.json)" \
  None "the serve pods' headless Service"
auto='.[] | select(.kind == "Deployment" and .metadata.name == "churnml-autoscaler") | .spec.template.spec.containers[0]'
expect_eq "$(jq -r "$auto | .securityContext.readOnlyRootFilesystem" hpa-recommendation-values.json)" true \
  "the autoscaler runs with a read-only root"

# The rendered arguments, run by the real binary against a real replica.
port=$(free_port)
run "$CHURNML" data generate --rows 1500 --seed 5 --out d.csv
run "$CHURNML" train --data d.csv --model logistic --register churn --alias champion
expect_status 0 "train a model for the replica"
"$CHURNML" serve --model churn@champion --port "$port" --threads 1 --access-log off \
  --reload-interval 0 2>serve.log &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; wait 2>/dev/null; [[ -n ${CHURNML_E2E_KEEP-} ]] || rm -rf "$WORK"' EXIT
wait_for "the replica answers" 60 curl -sf "http://127.0.0.1:$port/v2/health/ready"
mport=$(free_port)
mapfile -t args < <(jq -r "$auto | .args[]" hpa-recommendation-values.json |
  sed -e "s/^churnml-replicas:8000\$/localhost:$port/" -e 's/^\$(POD_IP)$/127.0.0.1/' -e "s/^9100\$/$mport/")
expect_eq "${args[0]} ${args[1]}" "autoscale run" "the container runs autoscale run"
for ((i = 1; i < ${#args[@]}; i++)); do  # one decision a second instead of the chart's 15
  [[ ${args[i - 1]} == --interval ]] && args[i]=1
done
"$CHURNML" "${args[@]}" --duration 4 2>autoscale.err &
AS=$!
got=""
for _ in $(seq 1 30); do
  got=$(curl -s "http://127.0.0.1:$mport/metrics" | awk '$1 == "churnml_autoscale_desired_replicas" {print $2}')
  [[ -n $got ]] && break
  sleep 0.2
done
wait "$AS"
expect_eq "$?" 0 "the rendered autoscaler command runs and ends after --duration"
# No traffic: the recommendation is the weekday floor in its hours, else the minimum.
day=$(date -u +%u)
hour=$((10#$(date -u +%H)))
expected=2
if ((day <= 5 && hour >= 8 && hour < 20)); then expected=4; fi
expect_eq "$got" "$expected" "the exported recommendation: floor or minimum replicas"
expect_contains autoscale.err "(1 answered)" "--discover found the replica by name"
finish
