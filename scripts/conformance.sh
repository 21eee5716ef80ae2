#!/usr/bin/env bash
# Conformance: the artifacts strata builds must be accepted by the real tools.
#
#   bash scripts/conformance.sh                 install the tools if missing, then check
#   bash scripts/conformance.sh --install-only  only make sure promtool and amtool are there
#
# 1. Installs Debian `prometheus` and `prometheus-alertmanager` (promtool, amtool) when
#    either tool is missing; does nothing when both are on PATH. Debian may start the
#    services on install: any prometheus/alertmanager process that appeared during the
#    install is stopped again (systemctl when systemd runs, else by pid), best effort.
# 2. Builds the release binary, then builds into a temporary directory
#      - examples/platform
#      - a generated fleet (scripts/gen_fleet.py, CONFORMANCE_TENANTS tenants, default 50)
# 3. For every environment of every build runs, printing the tools' own output:
#      promtool check config  <env>/prometheus/prometheus.yml
#      promtool check rules   <env>/prometheus/rules/*.yml
#      promtool test rules    <env>/prometheus/tests/*.test.yml  (where test files exist)
#      amtool check-config    <env>/alertmanager/alertmanager.yml (where it exists)
#    and prints a summary. Exits 1 when any check fails.
#
# Environment:
#   CONFORMANCE_TENANTS=N            fleet size (default 50)
#   CONFORMANCE_REQUIRE_ALERTMANAGER=1  a missing alertmanager.yml fails instead of SKIPPED
#   CONFORMANCE_KEEP=1               keep the temporary directory (its path is printed)
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT_DIR"

TENANTS=${CONFORMANCE_TENANTS:-50}
REQUIRE_AM=${CONFORMANCE_REQUIRE_ALERTMANAGER:-0}

log() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n)
    fi
fi

# Pids of running prometheus/alertmanager processes (empty when none).
service_pids() {
    pidof prometheus alertmanager prometheus-alertmanager 2>/dev/null || true
}

# Stops what the package install started: only pids that were not running before.
stop_started_services() {
    local before=" $1 " pid
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        "${SUDO[@]}" systemctl stop prometheus.service prometheus-alertmanager.service 2>/dev/null || true
    fi
    for pid in $(service_pids); do
        case "$before" in
            *" $pid "*) ;;  # was running before the install: not ours
            *)
                echo "stopping process $pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo '?')) started by the package install"
                "${SUDO[@]}" kill "$pid" 2>/dev/null || true
                ;;
        esac
    done
}

if command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then
    log "promtool and amtool already installed"
else
    log "installing Debian prometheus and prometheus-alertmanager (promtool, amtool)"
    if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
        echo "conformance: promtool/amtool missing and not root (no sudo): cannot install" >&2
        exit 2
    fi
    pids_before=$(service_pids)
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends prometheus prometheus-alertmanager
    stop_started_services "$pids_before"
fi
command -v promtool >/dev/null 2>&1 || { echo "conformance: promtool not found after install" >&2; exit 2; }
command -v amtool >/dev/null 2>&1 || { echo "conformance: amtool not found after install" >&2; exit 2; }
promtool --version 2>&1 | head -n 1
amtool --version 2>&1 | head -n 1
if [ "${1:-}" = "--install-only" ]; then
    exit 0
fi

# ---------------------------------------------------------------------------------------
# 2. Builds
# ---------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-conformance.XXXXXX")
cleanup() {
    if [ "${CONFORMANCE_KEEP:-0}" = 1 ]; then
        echo "conformance: kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT

log "cargo build --release --locked"
cargo build --release --locked
STRATA="${CARGO_TARGET_DIR:-$ROOT_DIR/target}/release/strata"
[ -x "$STRATA" ] || { echo "conformance: $STRATA not found" >&2; exit 2; }

log "strata build examples/platform --out $TMP/platform"
"$STRATA" build examples/platform --out "$TMP/platform"

log "python3 scripts/gen_fleet.py $TMP/fleet --tenants $TENANTS"
python3 scripts/gen_fleet.py "$TMP/fleet" --tenants "$TENANTS"
log "strata build $TMP/fleet --out $TMP/fleet-out"
"$STRATA" build "$TMP/fleet" --out "$TMP/fleet-out"

# ---------------------------------------------------------------------------------------
# 3. Checks
# ---------------------------------------------------------------------------------------
RESULTS=()   # "STATUS<TAB>label"
FAILED=0

record() { RESULTS+=("$1	$2"); }

# check LABEL COMMAND...: runs the command with its output shown, records PASS or FAIL.
check() {
    local label=$1 rc=0
    shift
    log "$label"
    echo "\$ $*"
    "$@" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS: $label"
        record PASS "$label"
    else
        echo "FAIL: $label (exit $rc)"
        record FAIL "$label"
        FAILED=1
    fi
}

skip() {
    log "$1"
    echo "SKIPPED: $1 ($2)"
    record SKIPPED "$1 ($2)"
}

fail() {
    log "$1"
    echo "FAIL: $1 ($2)"
    record FAIL "$1 ($2)"
    FAILED=1
}

# check_build NAME OUT_DIR REQUIRE_TESTS
check_build() {
    local name=$1 out=$2 require_tests=$3 envdir env prom am
    local -a rules tests
    local envs=0
    for envdir in "$out"/*/; do
        [ -d "$envdir" ] || continue
        envdir=${envdir%/}
        env=$(basename "$envdir")
        envs=$((envs + 1))
        prom="$envdir/prometheus"
        if [ -f "$prom/prometheus.yml" ]; then
            check "$name/$env: promtool check config" promtool check config "$prom/prometheus.yml"
        else
            fail "$name/$env: promtool check config" "no prometheus/prometheus.yml"
        fi
        shopt -s nullglob
        rules=("$prom"/rules/*.yml)
        tests=("$prom"/tests/*.yml)
        shopt -u nullglob
        if [ ${#rules[@]} -gt 0 ]; then
            check "$name/$env: promtool check rules (${#rules[@]} files)" promtool check rules "${rules[@]}"
        else
            fail "$name/$env: promtool check rules" "no rule files"
        fi
        if [ ${#tests[@]} -gt 0 ]; then
            check "$name/$env: promtool test rules (${#tests[@]} files)" promtool test rules "${tests[@]}"
        elif [ "$require_tests" = 1 ]; then
            fail "$name/$env: promtool test rules" "no test files, but $name defines alerting.tests"
        else
            skip "$name/$env: promtool test rules" "no test files"
        fi
        am="$envdir/alertmanager/alertmanager.yml"
        if [ -f "$am" ]; then
            check "$name/$env: amtool check-config" amtool check-config "$am"
        elif [ "$REQUIRE_AM" = 1 ]; then
            fail "$name/$env: amtool check-config" "no alertmanager/alertmanager.yml"
        else
            skip "$name/$env: amtool check-config" "no alertmanager/alertmanager.yml yet"
        fi
    done
    if [ "$envs" -eq 0 ]; then
        fail "$name" "the build wrote no environment folder"
    fi
}

check_build platform "$TMP/platform" 1
check_build fleet "$TMP/fleet-out" 0

# =======================================================================================
# Kubernetes
# =======================================================================================
# Every core manifest (Namespace, ResourceQuota, LimitRange, NetworkPolicy, HPA) of both
# builds must pass `kubernetes-validate --strict` for Kubernetes 1.30.0 and 1.37.0, and
# every custom resource (ScaledObject, Schedule, PrometheusRule, AlertmanagerConfig) its
# upstream CRD's openAPIV3Schema from ../shared/crds (STRATA_CRDS overrides), without
# fields the CRD would prune. The tools live in a venv that is created once and reused
# (other sections may add their own packages to it); pip runs only when an installed
# version differs from the pins below.
# shellcheck source=lib/venv.sh
source scripts/lib/venv.sh
K8S_VENV=$VENV
K8S_PINS="kubernetes-validate==1.37.0 jsonschema==4.26.0 PyYAML==6.0.3"
K8S_CRDS=${STRATA_CRDS:-$ROOT_DIR/../shared/crds}
k8s_tools() {
    # shellcheck disable=SC2086
    venv_pin $K8S_PINS
}
log "kubernetes: tools in $K8S_VENV ($K8S_PINS)"
if ! k8s_tools; then
    fail "kubernetes: tools" "could not install $K8S_PINS into $K8S_VENV"
elif [ ! -d "$K8S_CRDS" ]; then
    fail "kubernetes: upstream CRDs" "$K8S_CRDS not found"
else
    for k8s_build in platform:"$TMP/platform" fleet:"$TMP/fleet-out"; do
        check "${k8s_build%%:*}: kubernetes manifests (kubernetes-validate --strict 1.30.0/1.37.0, upstream CRDs)" \
            env PATH="$K8S_VENV/bin:$PATH" "$K8S_VENV/bin/python" scripts/check_k8s_manifests.py \
            --crds "$K8S_CRDS" -k 1.30.0 -k 1.37.0 "${k8s_build#*:}"
    done
fi

# ---------------------------------------------------------------------------------------
# Slack
# ---------------------------------------------------------------------------------------
# Every Slack message template within Slack's Block Kit limits, checked independently of
# strata's Rust code (scripts/check_slack.py, python3 standard library).
check "platform: Slack Block Kit limits" python3 scripts/check_slack.py "$TMP/platform"
check "fleet: Slack Block Kit limits" python3 scripts/check_slack.py "$TMP/fleet-out"

# ---------------------------------------------------------------------------------------
# Grafana
# Every dashboard JSON of both builds parses and passes scripts/check_dashboards.py
# (required fields, gridPos, uid length and uniqueness, datasource refs, confined exprs).
# ---------------------------------------------------------------------------------------
for build in platform fleet-out; do
    if compgen -G "$TMP/$build/*/grafana/dashboards" >/dev/null; then
        check "$build: dashboard checks" python3 scripts/check_dashboards.py "$TMP/$build"
    else
        fail "$build: dashboard checks" "no grafana/dashboards folder in the build"
    fi
done

# ---------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------
log "conformance summary"
pass=0 failed=0 skipped=0
for line in "${RESULTS[@]}"; do
    printf '  %-8s %s\n' "${line%%	*}" "${line#*	}"
    case "${line%%	*}" in
        PASS) pass=$((pass + 1)) ;;
        FAIL) failed=$((failed + 1)) ;;
        SKIPPED) skipped=$((skipped + 1)) ;;
    esac
done
echo "conformance: $pass passed, $failed failed, $skipped skipped"
if [ "$FAILED" -ne 0 ]; then
    echo "conformance: FAILED" >&2
    exit 1
fi
echo "conformance: OK"
