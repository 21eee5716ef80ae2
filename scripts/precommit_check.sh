#!/usr/bin/env bash
# Acceptance test of the pre-commit hook and the CI recipes, with the real tools.
#
#   bash scripts/precommit_check.sh [STRATA_BINARY]    (default: target/debug/strata)
#   bash scripts/precommit_check.sh --install-only     only step 1
#
# 1. Installs pre-commit and check-jsonschema (PyPI, pinned below) into the CI venv at
#    ${XDG_CACHE_HOME:-$HOME/.cache}/strata-ci/venv (shared with scripts/conformance.sh);
#    pip runs only when an installed version differs from the pins. Installs Debian fish
#    and zsh when missing, for tests/completions.rs and step 4.
# 2. Validates .pre-commit-hooks.yaml; makes a scratch git repository from
#    examples/platform, with files strata does not read next to it (README.md, a GitHub
#    workflow), and runs this repository's `strata-check` hook through `pre-commit
#    try-repo` (which clones this repository at HEAD, or snapshots uncommitted changes to
#    tracked files): --all-files passes clean; after one tenant file is broken, the hook
#    fails, both for that file alone and for --all-files, and names the file and line.
# 3. Checks the snippets of docs/ci.md: the GitHub Actions workflow and the GitLab CI
#    file against their schemas (check-jsonschema's vendored copies, no network), the
#    .pre-commit-config.yaml snippet with `pre-commit validate-config`.
# 4. `fish --no-execute` and `zsh -n` on the completion scripts.
# Exits 1 when a check fails, 2 when the tools cannot be installed.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT_DIR"
# shellcheck source=lib/debian.sh
source scripts/lib/debian.sh
# shellcheck source=lib/venv.sh
source scripts/lib/venv.sh
INSTALL_ONLY=0
[[ "${1:-}" == --install-only ]] && INSTALL_ONLY=1

PINS="pre-commit==4.7.0 check-jsonschema==0.39.0"

log() { printf '\n==> %s\n' "$*"; }
FAILED=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

# --- 1. tools ----------------------------------------------------------------------------
# shellcheck disable=SC2086
venv_pin $PINS || { echo "precommit_check: could not install $PINS into $VENV" >&2; exit 2; }
if ! command -v fish >/dev/null 2>&1 || ! command -v zsh >/dev/null 2>&1; then
    log "installing Debian fish and zsh (completion script checks)"
    debian_install precommit_check --no-install-recommends fish zsh
fi
[[ $INSTALL_ONLY == 1 ]] && exit 0
BIN=$(realpath "${1:-target/debug/strata}")
[[ -x "$BIN" ]] || { echo "precommit_check: $BIN is not an executable (build strata first)" >&2; exit 2; }
PRE_COMMIT="$VENV/bin/pre-commit"
log "$("$PRE_COMMIT" --version), $("$VENV/bin/check-jsonschema" --version), $("$BIN" --version)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-precommit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# pre-commit's clone of this repository stays in the scratch folder, not in ~/.cache.
export PRE_COMMIT_HOME="$WORK/pre-commit-home"
export PATH="$(dirname "$BIN"):$PATH"
# The example's waivers expire in 2027: a fixed date keeps this test from failing then.
export STRATA_TODAY=2026-12-01 NO_COLOR=1
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.invalid
export GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.invalid

# try_repo LOG ARGS...: runs the hook in the scratch repository; its exit code is kept.
try_repo() {
    local log=$1; shift
    (cd "$SCRATCH" && "$PRE_COMMIT" try-repo "$ROOT_DIR" strata-check "$@") >"$log" 2>&1
}

# --- 2. the hook through pre-commit try-repo ---------------------------------------------
if "$PRE_COMMIT" validate-manifest .pre-commit-hooks.yaml; then
    pass ".pre-commit-hooks.yaml (pre-commit validate-manifest)"
else
    fail ".pre-commit-hooks.yaml (pre-commit validate-manifest)"
fi
SCRATCH="$WORK/config-repo"
mkdir -p "$SCRATCH/.github/workflows"
(cd examples/platform && git ls-files -z | xargs -0 cp --parents -t "$SCRATCH")
printf '# Platform config\n' >"$SCRATCH/README.md"
printf 'on: push\njobs: {}\n' >"$SCRATCH/.github/workflows/unrelated.yml"
git -C "$SCRATCH" init -q
git -C "$SCRATCH" add -A
git -C "$SCRATCH" commit -qm "config"

log "pre-commit try-repo $ROOT_DIR strata-check --all-files (clean example)"
rc=0; try_repo "$WORK/clean.log" --all-files || rc=$?
cat "$WORK/clean.log"
if [[ $rc -eq 0 ]] && grep -q 'strata check.*Passed' "$WORK/clean.log"; then
    pass "hook passes on the clean example"
else
    fail "hook on the clean example: exit $rc, expected 0 and 'Passed'"
fi

TENANT=tenants/acme-corp.yaml
LINE=$(grep -n '^  min_replicas: ' "$SCRATCH/$TENANT" | head -n 1 | cut -d: -f1)
[[ -n "$LINE" ]] || { fail "no min_replicas line in $TENANT to break"; exit 1; }
sed -i "${LINE}s/min_replicas: .*/min_replicas: many/" "$SCRATCH/$TENANT"
git -C "$SCRATCH" add "$TENANT"
for mode in "--files $TENANT README.md" "--all-files"; do
    log "pre-commit try-repo $ROOT_DIR strata-check $mode (line $LINE of $TENANT broken)"
    # shellcheck disable=SC2086
    rc=0; try_repo "$WORK/broken.log" $mode || rc=$?
    cat "$WORK/broken.log"
    if [[ $rc -ne 0 ]] && grep -q 'strata check.*Failed' "$WORK/broken.log" \
        && grep -q "$TENANT:$LINE:" "$WORK/broken.log"; then
        pass "hook ($mode) fails on the broken tenant and names $TENANT:$LINE"
    else
        fail "hook ($mode): exit $rc, expected non-zero, 'Failed' and '$TENANT:$LINE:'"
    fi
done

# --- 3. docs/ci.md -----------------------------------------------------------------------
# Each snippet to check is a fenced yaml block whose first line is `# <file name>`.
log "docs/ci.md: the CI snippets against their schemas"
"$VENV/bin/python" - docs/ci.md "$WORK/snippets" <<'PY'
import pathlib, re, sys
text = pathlib.Path(sys.argv[1]).read_text()
out = pathlib.Path(sys.argv[2])
out.mkdir()
for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
    first = block.splitlines()[0]
    m = re.fullmatch(r"# (\S+)", first)
    if m:
        name = pathlib.PurePosixPath(m.group(1)).name
        (out / name).write_text(block)
        print("snippet:", m.group(1))
PY
check_snippet() { # check_snippet FILE LABEL CMD...
    local file=$1 label=$2; shift 2
    if [[ ! -f "$WORK/snippets/$file" ]]; then
        fail "docs/ci.md has no '# ...$file' yaml snippet"
    elif "$@" "$WORK/snippets/$file"; then
        pass "$label"
    else
        fail "$label"
    fi
}
check_snippet strata.yml "GitHub Actions workflow (vendor.github-workflows schema)" \
    "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows
check_snippet .gitlab-ci.yml "GitLab CI file (vendor.gitlab-ci schema)" \
    "$VENV/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci
check_snippet .pre-commit-config.yaml "pre-commit config (pre-commit validate-config)" \
    "$PRE_COMMIT" validate-config

# --- 4. completion scripts ---------------------------------------------------------------
log "completion scripts: fish --no-execute, zsh -n"
"$BIN" completions fish >"$WORK/strata.fish"
"$BIN" completions zsh >"$WORK/_strata"
if fish --no-execute "$WORK/strata.fish"; then pass "fish parses the fish completion"; else fail "fish completion"; fi
if zsh -n "$WORK/_strata"; then pass "zsh parses the zsh completion"; else fail "zsh completion"; fi

echo
if [[ $FAILED -ne 0 ]]; then
    echo "precommit_check: FAILED"
    exit 1
fi
echo "precommit_check: all checks passed"
