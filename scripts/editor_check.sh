#!/usr/bin/env bash
# Editor support: yaml-language-server, driven headless over LSP stdio by
# scripts/yaml_ls_check.py, validates examples/platform against the schemas
# `strata schema` writes (no diagnostic), reports injected errors on their lines, and
# applies the `# yaml-language-server: $schema=...` modelines of a `strata init` repository.
#
#   bash scripts/editor_check.sh [STRATA_BIN]
#
# yaml-language-server (npm, pinned below) is installed once into
# ${XDG_CACHE_HOME:-$HOME/.cache}/strata-ci/node and reused while its version matches.
# 1.x because 2.x needs Node.js 22.13 or newer (Debian 12 has Node.js 18). Node.js and
# npm are installed from Debian when missing.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT_DIR"
# shellcheck source=lib/debian.sh
source scripts/lib/debian.sh

BIN=${1:-target/debug/strata}
YLS_VERSION=1.25.0
NODE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/strata-ci/node"
YLS_PKG="$NODE_DIR/node_modules/yaml-language-server/package.json"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "==> installing Debian nodejs and npm"
    debian_install editor_check --no-install-recommends nodejs npm
fi
installed=$(node -p "require('$YLS_PKG').version" 2>/dev/null || true)
if [ "$installed" != "$YLS_VERSION" ]; then
    echo "==> installing yaml-language-server@$YLS_VERSION into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    npm install --no-audit --no-fund --prefix "$NODE_DIR" "yaml-language-server@$YLS_VERSION"
fi
echo "yaml-language-server $(node -p "require('$YLS_PKG').version"), node $(node --version)"

[ -x "$BIN" ] || cargo build --locked
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BIN" schema --out "$TMP/schemas" 2>/dev/null
"$BIN" init "$TMP/init" 2>/dev/null

python3 scripts/yaml_ls_check.py \
    --server "node $NODE_DIR/node_modules/yaml-language-server/bin/yaml-language-server --stdio" \
    --schemas "$TMP/schemas" --example examples/platform --init "$TMP/init"
echo "editor_check: OK"
