#!/usr/bin/env bash
# The container image, verified as far as this machine allows (no image
# registry, no working podman): deploy/docker/Dockerfile passes churnml's own
# Dockerfile rules; every shared library the binary needs comes from the
# runtime stage's package list; and `serve` runs from a root file system of
# the binary plus its `ldd` libraries, chrooted as the image's non-root user
# (10001) with the root mounted read-only and only the /var/lib/churnml
# volume writable — the image's run-time conditions. The Dockerfile's
# HEALTHCHECK command is run against it. Needs root (mount namespaces).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$HERE/lib.sh"

for tool in unshare chroot ldd dpkg apt-cache curl jq; do
  command -v "$tool" >/dev/null || { echo "$tool missing"; exit 2; }
done
if [[ $(id -u) -ne 0 ]] || ! unshare -m true 2>/dev/null; then
  echo "SKIP: needs root and mount namespaces for the read-only chroot"
  exit 77 # ctest reports it as skipped (SKIP_RETURN_CODE), never as passed
fi

DOCKERFILE="$ROOT/deploy/docker/Dockerfile"

# --- the Dockerfile passes churnml's own rules; the rules can fail ---------
run "$CHURNML" audit "$ROOT/deploy/docker" --format json
expect_status 0 "churnml audit deploy/docker"
expect_eq "$(jq '.findings | length' "$WORK/out")" 0 "no findings on the project's Dockerfile"
mkdir -p bad
grep -v -e '^USER ' -e '^HEALTHCHECK' -e '^    CMD \["/bin/bash"' "$DOCKERFILE" >bad/Dockerfile
run "$CHURNML" audit bad --format json
expect_status 1 "a Dockerfile without USER and HEALTHCHECK fails"
ids=$(jq -r '[.findings[].rule_id] | sort | join(",")' "$WORK/out")
expect_eq "$ids" "CML-K010,CML-K014" "runs-as-root and no-healthcheck found"

# --- the Dockerfile's contract ---------------------------------------------
expect_contains "$DOCKERFILE" "FROM debian:bookworm AS build" "build stage on bookworm"
expect_contains "$DOCKERFILE" "FROM debian:bookworm-slim AS runtime" "slim runtime stage"
expect_contains "$DOCKERFILE" "USER 10001:10001" "non-root user"
expect_contains "$DOCKERFILE" 'VOLUME ["/var/lib/churnml"]' "one declared writable volume"
expect_contains "$DOCKERFILE" "/v2/health/live" "HEALTHCHECK on /v2/health/live"
if grep -Eqi '^(ENV|ARG) .*(KEY|TOKEN|PASSWORD|SECRET)' "$DOCKERFILE"; then
  fail "a secret-like ENV/ARG in the Dockerfile"
else pass; fi
# The build stage copies every source folder the CMake files read (a folder
# added to the build but not to the image breaks `docker build` only).
for dir in cmake src $(grep -rhoE 'PROJECT_SOURCE_DIR\}/[A-Za-z_-]+' "$ROOT/src" "$ROOT/CMakeLists.txt" \
  --include=CMakeLists.txt | sed 's|.*}/||' | sort -u | grep -vx -e src -e tests); do
  expect_contains "$DOCKERFILE" "COPY $dir/ $dir/" "build stage copies $dir/"
done

# --- every library the binary links comes from the runtime packages ------
mapfile -t wanted < <(grep -v '^#' "$ROOT/deploy/docker/runtime-packages.txt" | sed '/^$/d')
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${wanted[@]}" 2>/dev/null | grep -v '^ ' | sed 's/:amd64$//' |
  sort -u >closure.txt
missing=""
# The image ships the release build; a sanitizer build (make check) also links
# the sanitizer runtimes, which the image never needs.
while read -r lib; do
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
  [[ -z $pkg ]] && pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
  if [[ -z $pkg ]]; then missing+=" $lib(no package)"; continue; fi
  grep -qx "$pkg" closure.txt || missing+=" $lib($pkg)"
done < <(ldd "$CHURNML" | awk '$3 ~ /^\// {print $3}' | grep -Ev '/lib(a|ub|l|t)san\.so')
expect_eq "$missing" "" "every linked library is in the runtime packages' closure"

# --- the root file system: the binary plus its ldd libraries -------------
RFS="$WORK/rootfs"
mkdir -p "$RFS"/{usr/local/bin,etc,proc,dev,tmp,var/lib/churnml}
cp "$CHURNML" "$RFS/usr/local/bin/churnml"
for lib in $(ldd "$CHURNML" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  mkdir -p "$RFS$(dirname "$lib")"
  cp -L "$lib" "$RFS$lib"
done
echo 'churnml:x:10001:10001::/var/lib/churnml:/usr/sbin/nologin' >"$RFS/etc/passwd"
echo 'churnml:x:10001:' >"$RFS/etc/group"
chmod 0755 "$RFS/tmp"  # not writable by the user: the image gives no writable /tmp
du_kb=$(du -sk "$RFS" | cut -f1)
echo "root file system: $((du_kb / 1024)) MiB"

# A model in the volume, owned by the image's user.
VOL="$WORK/volume"
mkdir -p "$VOL"
run "$CHURNML" --store "$VOL/mlruns" data generate --rows 1500 --seed 2 --out "$WORK/d.csv"
run "$CHURNML" --store "$VOL/mlruns" train --data "$WORK/d.csv" --model logistic --register churn --alias champion
expect_status 0 "train into the volume's store"
chown -R 10001:10001 "$VOL"

# in_container CMD...: runs CMD in a new mount namespace, chrooted into the
# read-only root file system as 10001:10001 with the volume at
# /var/lib/churnml (read-write), /proc and /dev.
in_container() {
  unshare -m --propagation private bash -c '
    set -e
    rfs=$1 vol=$2
    shift 2
    mount --bind "$rfs" "$rfs"
    mount -o remount,bind,ro "$rfs"
    mount --bind "$vol" "$rfs/var/lib/churnml"
    mount -t proc proc "$rfs/proc"
    mount --rbind /dev "$rfs/dev"
    cd /
    exec env -i CHURNML_STORE=/var/lib/churnml/mlruns "$(command -v chroot)" --userspec=10001:10001 "$rfs" "$@"
  ' in_container "$RFS" "$VOL" "$@"
}

# The root is read-only for the container; the volume is writable.
run in_container /usr/local/bin/churnml data generate --rows 10 --out /x.csv
expect_status 2 "writing outside the volume fails (read-only root)"
expect_contains "$WORK/err" "/x.csv" "the error names the file"
run in_container /usr/local/bin/churnml data generate --rows 10 --out /var/lib/churnml/x.csv
expect_status 0 "writing into the volume works"
expect_file "$VOL/x.csv" "the volume received the file"
expect_eq "$(stat -c %u "$VOL/x.csv")" 10001 "written as the image's user"

# serve inside, as the image runs it (keys from a file in the volume).
KEY=container-e2e-key-0123456789abcdefghij
printf '%s\n' "$KEY" >"$VOL/api-keys"
chown 10001:10001 "$VOL/api-keys"
chmod 600 "$VOL/api-keys"
in_container /usr/local/bin/churnml serve --model churn@champion --host 127.0.0.1 --port 0 \
  --api-key-file /var/lib/churnml/api-keys --access-log off 2>"$WORK/serve.log" &
SERVE_PID=$!
for ((i = 0; i < 300; i++)); do
  grep -q '(ready in ' "$WORK/serve.log" && break
  kill -0 "$SERVE_PID" 2>/dev/null || break
  sleep 0.1
done
PORT=$(sed -n 's|.* on http://[^:]*:\([0-9]*\) (ready in.*|\1|p' "$WORK/serve.log" | head -1)
if [[ -n $PORT ]]; then pass; else
  fail "serve did not start in the read-only chroot: $(cat "$WORK/serve.log")"
  finish
  exit 1
fi
URL="http://127.0.0.1:$PORT"
# serve's own pid: the churnml process below the background job.
churnml_below() {
  local pid
  for pid in $(pgrep -P "$1"); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == churnml ]] && { echo "$pid"; return; }
    churnml_below "$pid"
  done
}
server_pid=$(churnml_below "$SERVE_PID" | head -1)
trap '[[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null; [[ -n ${CHURNML_E2E_KEEP-} ]] || rm -rf "$WORK"' EXIT
expect_eq "$(stat -c %u "/proc/$server_pid")" 10001 "serve runs as uid 10001"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v2/health/ready")" 200 "ready inside the container"
CUSTOMER='{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' --data-binary "$CUSTOMER" "$URL/predict")
expect_eq "$code" 200 "a prediction from the container"
expect_eq "$(jq -r .customerID "$WORK/body")" 7590-VHVEG "prediction body"
curl -s -o "$WORK/metrics" "$URL/metrics"
if grep -q '^churnml_process_cpu_seconds_total' "$WORK/metrics"; then pass; else
  fail "process metrics missing (/proc inside the container)"
fi

# The image's HEALTHCHECK command, as written in the Dockerfile, on this port.
hc=$(sed -n 's|^    CMD \["/bin/bash", "-c", "\(.*\)"\]$|\1|p' "$DOCKERFILE" | sed 's/\\\\/\\/g; s/8000/'"$PORT"'/')
if bash -c "$hc"; then pass; else fail "the HEALTHCHECK command fails against a live server: $hc"; fi
hc_dead=$(echo "$hc" | sed "s/$PORT/1/")
if bash -c "$hc_dead" 2>/dev/null; then fail "the HEALTHCHECK passes with no server"; else pass; fi

kill -TERM "$server_pid"
wait "$SERVE_PID"
expect_eq "$?" 0 "serve in the container drains and exits 0 on SIGTERM"

finish
