# Sourced by the CI scripts: installs Debian packages, as root or through `sudo -n`.
# shellcheck shell=bash

# debian_install CALLER [APT-GET OPTIONS] PACKAGE...: exits 2 with a message naming CALLER
# when it cannot install them.
debian_install() {
    local caller=$1
    shift
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "$caller: installing $* needs root or sudo" >&2; exit 2; }
        sudo=(sudo -n)
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
        || { echo "$caller: could not install $*" >&2; exit 2; }
}
