# Sourced by the CI scripts: the one Python venv they share, and its pinned packages.
# shellcheck shell=bash

VENV="${XDG_CACHE_HOME:-$HOME/.cache}/strata-ci/venv"

# venv_has PIN...: whether the venv holds exactly these `name==version` pins.
venv_has() {
    "$VENV/bin/python" - "$*" <<'PY' 2>/dev/null
import importlib.metadata as md
import sys
for pin in sys.argv[1].split():
    name, version = pin.split("==")
    if md.version(name) != version:
        sys.exit(1)
PY
}

# venv_pin PIN...: creates the venv once, and runs pip only when an installed version
# differs from the pins (other scripts' packages in the venv are kept). Fails when the
# pins are not installed afterwards.
venv_pin() {
    if [ ! -x "$VENV/bin/python" ]; then
        mkdir -p "$(dirname "$VENV")"
        python3 -m venv "$VENV" || return 1
    fi
    venv_has "$@" && return 0
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" || return 1
    venv_has "$@"
}
