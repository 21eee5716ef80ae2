#!/usr/bin/env bash
# The HTML compliance report of examples/platform must render in headless Chromium.
#
#   bash scripts/report_check.sh [STRATA_BIN] [--update-docs]
#
# 1. Installs Debian `chromium` when /usr/bin/chromium is missing (apt-get, as root or
#    with sudo -n); does nothing when it is there.
# 2. Writes `strata report examples/platform --format html` (as of STRATA_TODAY, default
#    2027-01-15, so one waiver shows as expiring soon) into a temporary folder, then has
#    Chromium take a screenshot of it and dump its DOM, offline (the page loads nothing).
# 3. scripts/check_report.py checks the screenshot is not blank and the DOM holds the
#    matrix with every tenant of examples/platform and every framework. It must also
#    reject the screenshot of an empty page, so the check itself is known to bite.
# With --update-docs the screenshot is copied to docs/report.png.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT_DIR"
# shellcheck source=lib/debian.sh
source scripts/lib/debian.sh

BIN=target/debug/strata
UPDATE_DOCS=0
for arg in "$@"; do
    case "$arg" in
        --update-docs) UPDATE_DOCS=1 ;;
        *) BIN=$arg ;;
    esac
done
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ]; then
    echo "==> installing Debian chromium"
    debian_install report_check chromium
fi
"$CHROMIUM" --version

[ -x "$BIN" ] || cargo build --locked
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Headless, offline, and with a throwaway profile; no sandbox because CI runs as root.
shoot() { # HTML PNG DOM
    local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
                 --disable-extensions --disable-background-networking --disable-sync
                 --user-data-dir="$TMP/profile" --window-size=1280,2200)
    timeout 120 "$CHROMIUM" "${flags[@]}" --screenshot="$2" "file://$1" >/dev/null 2>"$TMP/chromium.log" \
        || { cat "$TMP/chromium.log" >&2; return 1; }
    timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$1" >"$3" 2>>"$TMP/chromium.log" \
        || { cat "$TMP/chromium.log" >&2; return 1; }
}

STRATA_TODAY=${STRATA_TODAY:-2027-01-15} "$BIN" report examples/platform --format html --out "$TMP/report.html"
shoot "$TMP/report.html" "$TMP/report.png" "$TMP/report.dom.html"

checks=()
for f in examples/platform/tenants/*.yaml; do
    t=$(basename "$f" .yaml)
    checks+=(--tenant "$t")
done
for fw in baseline soc2 gdpr hipaa; do
    checks+=(--framework "$fw")
done
python3 scripts/check_report.py "$TMP/report.png" "$TMP/report.dom.html" "${checks[@]}"

# The check must fail on a blank page.
printf '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>\n' >"$TMP/blank.html"
shoot "$TMP/blank.html" "$TMP/blank.png" "$TMP/blank.dom.html"
if python3 scripts/check_report.py "$TMP/blank.png" "$TMP/blank.dom.html" --tenant acme-corp >/dev/null 2>&1; then
    echo "report_check: the check accepted a blank page" >&2
    exit 1
fi
echo "report_check: a blank page is rejected, as it must be"

if [ "$UPDATE_DOCS" = 1 ]; then
    cp "$TMP/report.png" docs/report.png
    echo "report_check: wrote docs/report.png"
fi
echo "report_check: OK"
