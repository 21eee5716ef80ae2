#!/usr/bin/env bash
# Scale benchmark (issue 9): strata next to its peers on the same generated fleets, each
# tool in one process per run, and the scaling curve; writes the `## scale` section of
# BENCHMARKS.md (scripts/bench_scale_report.py renders it).
#
#   BENCH_ONLY=scale bash scripts/bench.sh        (or: bash scripts/bench_scale.sh)
#
# For every size N (N tenants x {dev,staging,production}, scripts/gen_fleet.py):
#   strata check FLEET                       vs  check-jsonschema on the effective tenant
#                                                documents the build wrote (out/<env>/tenants/
#                                                *.json) against the tenant schema of `strata
#                                                schema` (the one strata validates with)
#   strata build FLEET --env production      vs  promtool check rules on that build's rule files
#   strata build FLEET (fresh output folder) vs  the floors: examples/parse_floor.rs reading and
#                                                parsing every input YAML file with strata's
#                                                parser; the same plus writing as many files and
#                                                bytes as the build wrote; PyYAML (CSafeLoader)
# strata's commands and the floors run BENCH_RUNS times (median wall and CPU, largest RSS);
# the peers, slow at 10k tenants, run once per size. Every run is timed by GNU time: wall,
# CPU (user+sys: robust on a busy machine) and max RSS. Then, for the smallest and the
# largest size, `perf record --call-graph dwarf` of check and build, grouped by pipeline
# stage by scripts/perf_stages.py (skipped without perf).
#
# Environment:
#   BENCH_SCALE_SIZES  tenant counts (default "1000 5000 10000")
#   BENCH_RUNS         runs of each strata command and floor (default 3)
#   BENCH_SEED         generator seed (default 42)
#   BENCH_PROFILE=0    no perf profile
#   BENCH_NO_WRITE=1   print the section but leave BENCHMARKS.md alone
#   BENCH_KEEP=1       keep the temporary folder (its path is printed)
#   BENCH_SCALE_DIR    where the temporary folder goes (default /dev/shm when it has 16 GB
#                      free, else TMPDIR or /tmp); its file system is named in the report
#   BENCH_DEBUG=1      debug builds instead of release, BENCHMARKS.md untouched: a smoke test
#                      of the pieces (CI: BENCH_SCALE_SIZES=20 BENCH_RUNS=1 BENCH_DEBUG=1)
# Exits 1 when a tool fails on the fleet (the figures would compare different work).
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT_DIR"
# shellcheck source=lib/venv.sh
source scripts/lib/venv.sh

SIZES=${BENCH_SCALE_SIZES:-1000 5000 10000}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-42}
PROFILE=${BENCH_PROFILE:-1}
DEBUG=${BENCH_DEBUG:-0}
START=$(date +%s)

log() { printf '==> [%4ss] %s\n' "$(($(date +%s) - START))" "$*" >&2; }
die() { echo "bench_scale: $*" >&2; exit 1; }

for n in $SIZES; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCALE_SIZES: '$n' is not a tenant count"; done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS: '$RUNS' is not a positive number"
read -r -a SIZE_LIST <<<"$SIZES"
SMALLEST=${SIZE_LIST[0]}
LARGEST=${SIZE_LIST[${#SIZE_LIST[@]} - 1]}

# The fleets and outputs live on tmpfs (/dev/shm) when it has room: a 10k-tenant build
# writes 366,000 files (3.6 GB), and on this VM's disk the writeback of one run's small
# files throttles the next (the write-only floor slows down just as much), so a disk would
# measure its own IOPS rather than strata. BENCH_SCALE_DIR picks another place.
pick_work_parent() {
    local want_kb=$((16 * 1024 * 1024)) shm_free
    if [[ -n "${BENCH_SCALE_DIR:-}" ]]; then echo "$BENCH_SCALE_DIR"; return; fi
    shm_free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
    if [[ -w /dev/shm && "${shm_free:-0}" -ge $want_kb ]]; then echo /dev/shm; else echo "${TMPDIR:-/tmp}"; fi
}
WORK=$(mktemp -d "$(pick_work_parent)/strata-bench-scale.XXXXXX")
WORK_FS=$(df -PT "$WORK" | awk 'NR == 2 { print $2 }')
cleanup() {
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------------------
/usr/bin/time -f %e true >/dev/null 2>&1 || die "GNU time (/usr/bin/time) is required: apt-get install time"
command -v promtool >/dev/null 2>&1 || bash scripts/conformance.sh --install-only >&2 \
    || die "promtool is missing and could not be installed"
# The check-jsonschema pin of scripts/precommit_check.sh, in the CI venv it shares.
CJS_PIN=$(grep -o 'check-jsonschema==[0-9.]*' scripts/precommit_check.sh | head -n 1)
[[ -n "$CJS_PIN" ]] || die "no check-jsonschema pin in scripts/precommit_check.sh"
# PyYAML (the second floor) at the pin of scripts/conformance.sh.
PYYAML_PIN=$(grep -o 'PyYAML==[0-9.]*' scripts/conformance.sh | head -n 1)
[[ -n "$PYYAML_PIN" ]] || die "no PyYAML pin in scripts/conformance.sh"
venv_pin "$CJS_PIN" "$PYYAML_PIN" || die "could not install $CJS_PIN $PYYAML_PIN into $VENV"
CJS="$VENV/bin/check-jsonschema"
HAVE_PYYAML=0
"$VENV/bin/python" -c 'import yaml; assert yaml.__with_libyaml__' 2>/dev/null && HAVE_PYYAML=1
HAVE_PERF=0
[[ "$PROFILE" == 1 ]] && perf record -q -o "$WORK/probe.data" -- true >/dev/null 2>&1 && HAVE_PERF=1

if [[ "$DEBUG" == 1 ]]; then
    log "cargo build (debug: a smoke test, figures not written)"
    cargo build --quiet --bin strata --example parse_floor
    PROFILE_DIR=debug
else
    log "cargo build --release"
    cargo build --release --quiet --bin strata --example parse_floor
    PROFILE_DIR=release
fi
TARGET="${CARGO_TARGET_DIR:-$ROOT_DIR/target}/$PROFILE_DIR"
BIN="$TARGET/strata"
FLOOR="$TARGET/examples/parse_floor"
"$BIN" schema --out "$WORK/schemas" >/dev/null
SCHEMA="$WORK/schemas/tenant.schema.json"
[[ -f "$SCHEMA" ]] || die "strata schema wrote no tenant.schema.json"
cmp -s "$SCHEMA" schemas/tenant.schema.json || log "warning: schemas/tenant.schema.json differs from 'strata schema'"

# --- measuring ---------------------------------------------------------------------------
TIMES="$WORK/times.txt"   # KEY N WALL_S CPU_S MAXRSS_KB, one line per run
FACTS="$WORK/facts.txt"   # KEY N VALUE
: >"$TIMES"
: >"$FACTS"
fact() { echo "$1 $2 $3" >>"$FACTS"; }

# measure KEY N RUNS DIR PREP CMD...: runs CMD in DIR RUNS times under GNU time, after
# `eval PREP` (untimed) each time. A failing run ends the benchmark with its output.
measure() {
    local key=$1 n=$2 runs=$3 dir=$4 prep=$5 i rc e u s m
    shift 5
    for ((i = 1; i <= runs; i++)); do
        log "[$n tenants] $key ($i/$runs)"
        eval "$prep"
        rc=0
        (cd "$dir" && /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" "$@") >"$WORK/$key.log" 2>&1 || rc=$?
        if ((rc != 0)); then
            tail -n 30 "$WORK/$key.log" >&2
            die "$key on $n tenants exited $rc: $*"
        fi
        read -r e u s m < <(tail -n 1 "$WORK/time.txt")
        echo "$key $n $e $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') $m" >>"$TIMES"
    done
}

# profile KEY N PREP CMD...: perf samples of one run, grouped by stage (JSON).
profile() {
    local key=$1 n=$2 prep=$3 hz
    shift 3
    hz=$((400 * 1000 / n))
    ((hz < 25)) && hz=25
    ((hz > 1000)) && hz=1000
    log "[$n tenants] perf record $key ($hz Hz, dwarf call graphs)"
    eval "$prep"
    (cd "$WORK" && perf record -q -F "$hz" --call-graph dwarf,32768 -o "$WORK/perf.data" -- "$@") >/dev/null 2>&1 \
        || die "perf record of $key failed"
    DEBUGINFOD_URLS= perf script --no-inline -F tid,ip,sym -i "$WORK/perf.data" 2>/dev/null \
        | python3 scripts/perf_stages.py --json >"$WORK/stages-$key-$n.json"
    rm -f "$WORK/perf.data"
}

PYYAML_SRC='
import os, sys
import yaml
documents = 0
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(folder, name), "rb") as f:
                yaml.load(f, Loader=yaml.CSafeLoader)
            documents += 1
print(f"parsed {documents} YAML files")
'

# --- the fleets --------------------------------------------------------------------------
for n in "${SIZE_LIST[@]}"; do
    FLEET="$WORK/fleet-$n"
    OUT="$WORK/out-$n"
    RULES_OUT="$WORK/rules-$n"
    FLOOR_OUT="$WORK/floor-$n"
    log "[$n tenants] scripts/gen_fleet.py"
    python3 scripts/gen_fleet.py "$FLEET" --tenants "$n" --seed "$SEED" >/dev/null
    fact in_files "$n" "$(find "$FLEET" -type f \( -name '*.yaml' -o -name '*.yml' \) | wc -l)"
    fact in_bytes "$n" "$(find "$FLEET" -type f \( -name '*.yaml' -o -name '*.yml' \) -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }')"

    measure check "$n" "$RUNS" "$WORK" : "$BIN" check "$FLEET"
    measure build "$n" "$RUNS" "$WORK" "rm -rf '$OUT'" "$BIN" build "$FLEET" --out "$OUT"
    (cd "$OUT" && find . -type f -printf '%s %P\n') >"$WORK/out-list-$n.txt"
    fact out_files "$n" "$(wc -l <"$WORK/out-list-$n.txt")"
    fact out_bytes "$n" "$(awk '{ s += $1 } END { printf "%.0f\n", s }' "$WORK/out-list-$n.txt")"

    # The effective documents strata validated, as check-jsonschema's input (paths relative
    # to OUT keep 30,000 arguments well under ARG_MAX).
    mapfile -t docs < <(cd "$OUT" && printf '%s\n' */tenants/*.json)
    fact documents "$n" "${#docs[@]}"
    measure check-jsonschema "$n" 1 "$OUT" : "$CJS" --schemafile "$SCHEMA" -- "${docs[@]}"

    measure floor-parse "$n" "$RUNS" "$WORK" : "$FLOOR" "$FLEET"
    measure floor-parse-write "$n" "$RUNS" "$WORK" "rm -rf '$FLOOR_OUT'" \
        "$FLOOR" "$FLEET" --write-like "$WORK/out-list-$n.txt" "$FLOOR_OUT"
    rm -rf "$FLOOR_OUT"
    if [[ $HAVE_PYYAML == 1 ]]; then
        measure pyyaml "$n" 1 "$WORK" : "$VENV/bin/python" -c "$PYYAML_SRC" "$FLEET"
    fi

    if [[ $HAVE_PERF == 1 && ( $n == "$SMALLEST" || $n == "$LARGEST" ) ]]; then
        profile check "$n" : "$BIN" check "$FLEET"
        profile build "$n" "rm -rf '$OUT'" "$BIN" build "$FLEET" --out "$OUT"
    fi
    rm -rf "$OUT"

    measure rules "$n" "$RUNS" "$WORK" "rm -rf '$RULES_OUT'" "$BIN" build "$FLEET" --env production --out "$RULES_OUT"
    mapfile -t rule_files < <(cd "$RULES_OUT/production/prometheus" && printf '%s\n' rules/*.yml)
    measure promtool "$n" 1 "$RULES_OUT/production/prometheus" : promtool check rules -- "${rule_files[@]}"
    fact rules "$n" "$(grep -o 'SUCCESS: [0-9]* rules found' "$WORK/promtool.log" | awk '{ s += $2 } END { printf "%.0f\n", s }')"
    rm -rf "$RULES_OUT" "$FLEET"
done

# --- report ------------------------------------------------------------------------------
rev=$(git rev-parse --short HEAD 2>/dev/null || echo "uncommitted")
git diff --quiet HEAD -- src Cargo.toml Cargo.lock examples/parse_floor.rs 2>/dev/null || rev="$rev (+ uncommitted changes)"
repro="BENCH_ONLY=scale bash scripts/bench.sh"
[[ "$SIZES" != "1000 5000 10000" ]] && repro="BENCH_SCALE_SIZES=\"$SIZES\" $repro"
[[ "$RUNS" != 3 ]] && repro="BENCH_RUNS=$RUNS $repro"
[[ "$SEED" != 42 ]] && repro="BENCH_SEED=$SEED $repro"
SECTION="$WORK/scale.md"
python3 scripts/bench_scale_report.py --times "$TIMES" --facts "$FACTS" --stages-dir "$WORK" \
    --runs "$RUNS" --seed "$SEED" --command "$repro" --build-profile "$PROFILE_DIR" --work-fs "$WORK_FS" \
    --tools "$("$BIN" --version | head -n 1) at $rev; $(promtool --version 2>&1 | head -n 1); $("$CJS" --version); $("$VENV/bin/python" -c 'import yaml; print("PyYAML", yaml.__version__)' 2>/dev/null || echo 'PyYAML missing'); $(rustc --version)" \
    --machine "$(nproc) CPUs ($(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo) GiB RAM, $(uname -sr); load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(($(date +%s) - START)) s in all; date: $(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    >"$SECTION"
cat "$SECTION"
if [[ "$DEBUG" == 1 || "${BENCH_NO_WRITE:-0}" == 1 ]]; then
    log "BENCHMARKS.md left alone"
else
    python3 scripts/lib/bench_md.py BENCHMARKS.md scale "$SECTION"
    log "wrote the scale section of BENCHMARKS.md"
fi
