#!/usr/bin/env bash
# Benchmark strata on a synthetic fleet and record the figures in BENCHMARKS.md.
#
#   bash scripts/bench.sh
#
# Environment:
#   BENCH_TENANTS     tenants in the fleet (default 1000; each in 3 environments)
#   BENCH_RUNS        timed runs per command (default 10)
#   BENCH_SEED        generator seed (default 42)
#   BENCH_KEEP=1      keep the temporary fleet and build output (path is printed)
#   BENCH_ALLOW_FAIL=1  time the commands even when they report problems (exit != 0)
#   BENCH_NO_WRITE=1  print the figures but leave BENCHMARKS.md alone
#   BENCH_NO_HYPERFINE=1  use the bash timing loop even when hyperfine is installed
#   BENCH_ONLY=watch  only the watch benchmark (e): replaces the "watch" section of
#                     BENCHMARKS.md and keeps the other figures
#   BENCH_WATCH_EDITS edits timed by the watch benchmark (default 30)
#   BENCH_ONLY=scale  only the scale benchmark, scripts/bench_scale.sh (1k, 5k, 10k tenants,
#                     side by side with check-jsonschema, promtool and the parse floor):
#                     replaces the "scale" section of BENCHMARKS.md
#
# Steps: cargo build --release; scripts/gen_fleet.py writes N tenants x {dev,staging,production}
# into a temporary directory; then it times, in release mode,
#   (a) strata check FLEET                      full check of every tenant and environment
#   (b) strata check FLEET/tenants/t0042.yaml   one changed tenant file (pre-commit path)
#   (c) strata build FLEET --out TMP            full build of every artifact
#   (d) strata check FLEET_NOPOL                 (a) with `[policies] packs = []`: the cost
#                                               of the four built-in policy packs is (a) - (d)
# with hyperfine when available (else a bash loop, median of BENCH_RUNS runs), and peak
# memory (max RSS) with GNU time; then
#   (e) strata watch FLEET --env production     edit -> swap latency of one tenant edit, by
#                                               scripts/bench_watch.py (it starts watch and
#                                               stops it by PID)
# It removes its temporary directory on exit.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT_DIR"
[[ "${BENCH_ONLY:-}" == scale ]] && exec bash scripts/bench_scale.sh

N=${BENCH_TENANTS:-1000}
RUNS=${BENCH_RUNS:-10}
SEED=${BENCH_SEED:-42}
BIN="$ROOT_DIR/target/release/strata"

# Acceptance targets (for 1000 tenants x 3 environments).
TARGET_FULL_MS=1000
TARGET_BUILD_MS=3000
TARGET_ONE_MS=50
TARGET_RSS_MB=300
TARGET_POLICY_MS=500

log() { printf '==> %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench.XXXXXX")
cleanup() {
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------------------
install_deb() { # install_deb PACKAGE: best effort, never fatal
    command -v apt-get >/dev/null 2>&1 || return 0
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo -n"
    $sudo apt-get install -y -qq "$1" >/dev/null 2>&1 \
        || { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$1" >/dev/null 2>&1; } \
        || log "could not install $1 (continuing without it)"
}
command -v hyperfine >/dev/null 2>&1 || [[ "${BENCH_NO_HYPERFINE:-0}" == 1 ]] || install_deb hyperfine
[[ -x /usr/bin/time ]] || install_deb time
HAVE_HYPERFINE=0
command -v hyperfine >/dev/null 2>&1 && HAVE_HYPERFINE=1
[[ "${BENCH_NO_HYPERFINE:-0}" == 1 ]] && HAVE_HYPERFINE=0
HAVE_GNU_TIME=0
/usr/bin/time -v true >/dev/null 2>&1 && HAVE_GNU_TIME=1

# --- build -------------------------------------------------------------------------------
log "cargo build --release"
cargo build --release --quiet
[[ -x "$BIN" ]] || { echo "error: $BIN was not built" >&2; exit 1; }

# --- fleet -------------------------------------------------------------------------------
FLEET="$WORK/fleet"
OUT="$WORK/out"
gen_start=$(date +%s%N)
python3 scripts/gen_fleet.py "$FLEET" --tenants "$N" --seed "$SEED"
gen_ms=$(( ($(date +%s%N) - gen_start) / 1000000 ))
n_files=$(find "$FLEET" -type f | wc -l)
n_overlays=$(find "$FLEET/tenants" -mindepth 2 -type f | wc -l)
n_lines=$(cat "$FLEET"/tenants/*.yaml | wc -l)
last=$(( N > 0 ? N - 1 : 0 ))
width=$(( ${#last} > 4 ? ${#last} : 4 ))   # as gen_fleet.py pads ids
one_idx=$(( N > 42 ? 42 : (N > 0 ? N - 1 : 0) ))
ONE_ID=$(printf "t%0${width}d" "$one_idx")
ONE_FILE="$FLEET/tenants/$ONE_ID.yaml"
# The same fleet with the built-in policy packs turned off.
FLEET_NOPOL="$WORK/fleet-nopol"
cp -r "$FLEET" "$FLEET_NOPOL"
sed -i 's/^packs = .*/packs = []/' "$FLEET_NOPOL/strata.toml"
grep -q '^packs = \[\]' "$FLEET_NOPOL/strata.toml" || { echo "error: no packs line in the fleet's strata.toml" >&2; exit 1; }
log "fleet: $N tenants ($n_overlays production overlays), $n_files files, $n_lines tenant lines, generated in ${gen_ms} ms"

# --- watch -------------------------------------------------------------------------------
WATCH_EDITS=${BENCH_WATCH_EDITS:-30}
WATCH_MD="$WORK/watch.md"
bench_watch() { # writes the "watch" section of BENCHMARKS.md to $WATCH_MD
    local repro="BENCH_ONLY=watch bash scripts/bench.sh" rev
    [[ "$N" != 1000 ]] && repro="BENCH_TENANTS=$N $repro"
    [[ "$SEED" != 42 ]] && repro="BENCH_SEED=$SEED $repro"
    [[ "$WATCH_EDITS" != 30 ]] && repro="BENCH_WATCH_EDITS=$WATCH_EDITS $repro"
    rev=$(git rev-parse --short HEAD 2>/dev/null || echo "uncommitted")
    git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || rev="$rev (+ uncommitted changes)"
    log "timing strata watch ($WATCH_EDITS tenant edits)"
    python3 scripts/bench_watch.py "$BIN" "$FLEET" --out "$WORK/watch-out" --edits "$WATCH_EDITS" \
        --markdown "$WATCH_MD" --command "$repro"
    printf '\nstrata at %s; %s; date: %s.\n' "$rev" "$(rustc --version 2>/dev/null || echo rustc unknown)" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$WATCH_MD"
}
if [[ "${BENCH_ONLY:-}" == watch ]]; then
    bench_watch
    cat "$WATCH_MD"
    if [[ "${BENCH_NO_WRITE:-0}" != 1 ]]; then
        # The other figures stay; the watch section is replaced.
        python3 scripts/lib/bench_md.py BENCHMARKS.md watch "$WATCH_MD"
        log "wrote the watch section of BENCHMARKS.md"
    fi
    exit 0
elif [[ -n "${BENCH_ONLY:-}" ]]; then
    echo "error: BENCH_ONLY=$BENCH_ONLY: only 'watch' and 'scale' are supported" >&2
    exit 2
fi

# --- commands ----------------------------------------------------------------------------
# The one-file check finds ROOT by walking up from the file (SPEC 7); from a directory
# outside the fleet, so that the working directory does not help. If this build of strata
# does not support that, pass ROOT explicitly.
CMD_FULL="$BIN check $FLEET"
CMD_ONE="$BIN check $ONE_FILE"
CMD_BUILD="$BIN build $FLEET --out $OUT"
CMD_NOPOL="$BIN check $FLEET_NOPOL"
# Rules: strata's whole pipeline for one environment (load, merge, validate, parse and
# confine every PromQL expression, render, write) next to promtool checking the same rules.
OUT_RULES="$WORK/out-rules"
CMD_RULES="$BIN build $FLEET --env production --out $OUT_RULES"
ALL_RULES="$WORK/all-rules.yml"
CMD_PROMTOOL="promtool check rules $ALL_RULES"

verify() { # verify NAME CMD...: run once, report problems
    local name=$1; shift
    local rc=0
    (cd "$WORK" && "$@") >"$WORK/verify.out" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "warning: '$name' exited $rc; first lines of its output:" >&2
        head -n 40 "$WORK/verify.out" >&2
    fi
    return $rc
}

rc_one=0
verify "check one file" $CMD_ONE || rc_one=$?
if [[ $rc_one -eq 2 ]]; then
    log "'strata check FILE' was refused (exit 2); passing ROOT explicitly"
    CMD_ONE="$BIN check $FLEET $ONE_FILE"
    rc_one=0
    verify "check one file" $CMD_ONE || rc_one=$?
fi
rc_full=0; verify "check" $CMD_FULL || rc_full=$?
rc_build=0; verify "build" $CMD_BUILD || rc_build=$?
HAVE_PROMTOOL=0
if command -v promtool >/dev/null 2>&1 && verify "build production" $CMD_RULES; then
    # One file holding every tenant's rule groups (group names are unique per tenant).
    { echo "groups:"; for f in "$OUT_RULES"/production/prometheus/rules/*.yml; do sed -e '/^#/d' -e '/^groups:/d' "$f"; done; } >"$ALL_RULES"
    N_RULES=$(grep -cE '^  - (alert|record):' "$ALL_RULES" || true)
    HAVE_PROMTOOL=1
fi
if (( rc_full || rc_one || rc_build )) && [[ "${BENCH_ALLOW_FAIL:-0}" != 1 ]]; then
    echo "error: the fleet does not check/build clean (exit codes: check $rc_full, one file $rc_one, build $rc_build);" \
         "fix it or set BENCH_ALLOW_FAIL=1" >&2
    exit 1
fi

# --- timing ------------------------------------------------------------------------------
# time_cmd KEY CMD: sets T_MEAN[KEY], T_MEDIAN[KEY], T_MIN[KEY], T_MAX[KEY] (ms).
declare -A T_MEAN T_MEDIAN T_MIN T_MAX RSS_MB
time_cmd() {
    local key=$1 cmd=$2
    if [[ $HAVE_HYPERFINE == 1 ]]; then
        local json="$WORK/hf-$key.json" shell_opt=() ignore=() help
        help=$(hyperfine --help 2>&1 || true)
        [[ "$help" == *--shell* ]] && shell_opt=(--shell=none)
        [[ "${BENCH_ALLOW_FAIL:-0}" == 1 ]] && ignore=(--ignore-failure)
        (cd "$WORK" && hyperfine "${shell_opt[@]}" "${ignore[@]}" --style basic --warmup 2 \
            --runs "$RUNS" --export-json "$json" "$cmd") >&2
        read -r T_MEAN[$key] T_MEDIAN[$key] T_MIN[$key] T_MAX[$key] < <(python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(*("%.1f" % (r[k] * 1000) for k in ("mean", "median", "min", "max")))
PY
)
    else
        local i t0 times=()
        (cd "$WORK" && $cmd) >/dev/null 2>&1 || true   # warm-up
        for ((i = 0; i < RUNS; i++)); do
            t0=$(date +%s%N)
            (cd "$WORK" && $cmd) >/dev/null 2>&1 || true
            times+=($(( $(date +%s%N) - t0 )))
        done
        read -r T_MEAN[$key] T_MEDIAN[$key] T_MIN[$key] T_MAX[$key] < <(printf '%s\n' "${times[@]}" | python3 -c '
import statistics, sys
t = [int(x) / 1e6 for x in sys.stdin.read().split()]
print(*("%.1f" % v for v in (statistics.mean(t), statistics.median(t), min(t), max(t))))')
    fi
}

# peak_rss KEY CMD: largest max RSS (MB) over 3 runs, via GNU time.
peak_rss() {
    local key=$1 cmd=$2 i kb best=0
    if [[ $HAVE_GNU_TIME != 1 ]]; then RSS_MB[$key]="n/a"; return; fi
    for i in 1 2 3; do
        (cd "$WORK" && /usr/bin/time -v $cmd) >/dev/null 2>"$WORK/time.err" || true
        kb=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$WORK/time.err")
        [[ -n "$kb" ]] && (( kb > best )) && best=$kb
    done
    RSS_MB[$key]=$(awk -v kb="$best" 'BEGIN { printf "%.1f", kb / 1024 }')
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
log "timing ($([[ $HAVE_HYPERFINE == 1 ]] && echo hyperfine || echo "bash loop, median of $RUNS"))"
time_cmd full "$CMD_FULL";   peak_rss full "$CMD_FULL"
time_cmd one "$CMD_ONE";     peak_rss one "$CMD_ONE"
time_cmd build "$CMD_BUILD"; peak_rss build "$CMD_BUILD"
time_cmd nopol "$CMD_NOPOL"; peak_rss nopol "$CMD_NOPOL"
if [[ $HAVE_PROMTOOL == 1 ]]; then
    time_cmd rules "$CMD_RULES"; peak_rss rules "$CMD_RULES"
    time_cmd promtool "$CMD_PROMTOOL"; peak_rss promtool "$CMD_PROMTOOL"
fi

bench_watch

# --- report ------------------------------------------------------------------------------
verdict() { # verdict VALUE TARGET -> PASS/FAIL (VALUE < TARGET)
    awk -v v="$1" -v t="$2" 'BEGIN { if (v == "n/a") print "n/a"; else print (v + 0 < t + 0) ? "PASS" : "FAIL" }'
}
short() { # strip the temporary paths from a command line
    local s=${1//"$BIN"/strata}
    s=${s//"$FLEET_NOPOL"/FLEET_NOPOL}
    s=${s//"$FLEET"/FLEET}
    s=${s//"$OUT_RULES"/OUT}
    s=${s//"$ALL_RULES"/ALL_RULES.yml}
    printf '%s' "${s//"$OUT"/OUT}"
}

cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
mem_gb=$(awk '/^MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)
rustc_v=$(rustc --version 2>/dev/null || echo unknown)
strata_v=$("$BIN" --version 2>/dev/null | head -n 1 || true)
[[ -n "$strata_v" ]] || strata_v="strata (no --version)"
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo "uncommitted")
git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || git_rev="$git_rev (+ uncommitted changes)"
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
tool=$([[ $HAVE_HYPERFINE == 1 ]] && hyperfine --version | head -n 1 || echo "bash loop (date +%s%N)")
repro="bash scripts/bench.sh"
[[ "$N" != 1000 ]] && repro="BENCH_TENANTS=$N $repro"
[[ "$RUNS" != 10 ]] && repro="BENCH_RUNS=$RUNS $repro"
[[ "$SEED" != 42 ]] && repro="BENCH_SEED=$SEED $repro"

row() { # row KEY LABEL CMD TIME_TARGET RSS_TARGET
    local key=$1 label=$2 cmd=$3 tt=$4 rt=$5 tv rv
    if [[ -n "$tt" ]]; then tv="< $tt ms: $(verdict "${T_MEDIAN[$key]}" "$tt")"; else tv="-"; fi
    if [[ -n "$rt" ]]; then rv="< $rt MB: $(verdict "${RSS_MB[$key]}" "$rt")"; else rv="-"; fi
    printf '| %s | `%s` | %s | %s | %s–%s | %s | %s | %s |\n' \
        "$label" "$(short "$cmd")" "${T_MEAN[$key]}" "${T_MEDIAN[$key]}" "${T_MIN[$key]}" \
        "${T_MAX[$key]}" "${RSS_MB[$key]}" "$tv" "$rv"
}

report="$WORK/BENCHMARKS.md"
{
    echo "# Benchmarks"
    echo
    echo "Generated by \`scripts/bench.sh\`; do not edit by hand. Reproduce with:"
    echo
    echo '```sh'
    echo "$repro"
    echo '```'
    echo
    echo "Fleet: \`scripts/gen_fleet.py --tenants $N --seed $SEED\`: $N tenants x 3 environments" \
         "(dev, staging, production), $n_overlays production overlays (layer 4), $n_files files," \
         "$n_lines lines of tenant YAML (generated in $gen_ms ms). Release build; each command run" \
         "$RUNS times after warm-up (page cache hot); max RSS is the largest of 3 runs under" \
         "\`/usr/bin/time -v\`. Targets are for 1000 tenants x 3 environments and are judged on the median."
    echo
    echo "| case | command | mean ms | median ms | min–max ms | max RSS MB | time target | memory target |"
    echo "|---|---|---:|---:|---:|---:|---|---|"
    row full "full check" "$CMD_FULL" "$TARGET_FULL_MS" "$TARGET_RSS_MB"
    row one "one changed tenant file" "$CMD_ONE" "$TARGET_ONE_MS" ""
    row build "full build" "$CMD_BUILD" "$TARGET_BUILD_MS" "$TARGET_RSS_MB"
    row nopol "full check, policy packs off (packs = [])" "$CMD_NOPOL" "" ""
    if [[ $HAVE_PROMTOOL == 1 ]]; then
        row rules "rules: strata build, one environment" "$CMD_RULES" "" ""
        row promtool "rules: promtool check rules, same rules" "$CMD_PROMTOOL" "" ""
        echo
        ratio=$(awk -v a="${T_MEDIAN[promtool]}" -v b="${T_MEDIAN[rules]}" 'BEGIN { printf "%.1f", a / b }')
        echo "Rules: the production rule files hold $N_RULES rules ($N tenants). strata's whole build of that" \
             "environment (which parses and confines every expression, renders and writes them) takes" \
             "${T_MEDIAN[rules]} ms; \`promtool check rules\` on the same rules, merged into one file" \
             "(ALL_RULES.yml), takes ${T_MEDIAN[promtool]} ms: strata is ${ratio}x faster." \
             "$(promtool --version 2>&1 | head -n 1)."
    fi
    echo
    policy_ms=$(awk -v a="${T_MEDIAN[full]}" -v b="${T_MEDIAN[nopol]}" 'BEGIN { printf "%.1f", a - b }')
    echo "Policies: the four built-in packs (baseline, soc2, gdpr, hipaa) on $N tenants x 3 environments" \
         "add ${policy_ms} ms to a full check (median ${T_MEDIAN[full]} ms with the packs," \
         "${T_MEDIAN[nopol]} ms with \`packs = []\`); target < $TARGET_POLICY_MS ms:" \
         "$(verdict "$policy_ms" "$TARGET_POLICY_MS")."
    echo
    echo "Machine: $(nproc) CPUs${cpu:+ ($cpu)}, ${mem_gb:-?} GiB RAM, $(uname -sr); $rustc_v;" \
         "$strata_v at $git_rev; timer: $tool; load average before/after: $load_before / $load_after;" \
         "date: $when."
    if (( rc_full || rc_one || rc_build )); then
        echo
        echo "**Warning:** some commands reported problems (exit codes: check $rc_full, one file $rc_one," \
             "build $rc_build); the figures were taken with BENCH_ALLOW_FAIL=1."
    fi
} >"$report"

cat "$report" "$WATCH_MD"
if [[ "${BENCH_NO_WRITE:-0}" != 1 ]]; then
    # The scale section (BENCH_ONLY=scale) stays.
    python3 scripts/lib/bench_md.py BENCHMARKS.md head "$report"
    python3 scripts/lib/bench_md.py BENCHMARKS.md watch "$WATCH_MD"
    log "wrote BENCHMARKS.md"
fi
