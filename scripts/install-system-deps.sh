#!/usr/bin/env bash
# System packages the test suite needs beyond Python: Debian's Chromium, which the browser tests drive with
# Playwright (tests/browser/); PostgreSQL, whose binaries (initdb, pg_ctl) the store, search, web and removal
# tests use to run a throwaway server of their own (tests/pg.py; nothing uses the cluster the package may
# start); Redis, the Celery broker of the scale-out mode. Idempotent and quiet: does nothing when they are
# already installed, and runs `apt-get update` only when the package lists are missing or the install fails
# without it.
set -euo pipefail

# fonts: readable screenshots without the recommends
PACKAGES=(chromium fonts-liberation postgresql redis-server)
NEEDED=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        NEEDED+=("$pkg")
    fi
done
[ ${#NEEDED[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: apt-get not found; install ${NEEDED[*]} by hand (the browser tests need" \
         "/usr/bin/chromium, the PostgreSQL tests initdb and pg_ctl)" >&2
    exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-system-deps: not root and no sudo; install ${NEEDED[*]} as root (apt-get install -y ${NEEDED[*]})" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0)
echo "install-system-deps: installing ${NEEDED[*]} (Debian packages)"
# Package lists are empty on a fresh machine: update first then. Otherwise try with what is there, and
# update only if that fails (stale lists naming versions the mirror no longer has).
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' -e '^auxfiles$')" ]; then
    "${APT[@]}" update >/dev/null
fi
if ! "${APT[@]}" install -y --no-install-recommends "${NEEDED[@]}" >/dev/null 2>&1; then
    "${APT[@]}" update >/dev/null
    "${APT[@]}" install -y --no-install-recommends "${NEEDED[@]}" >/dev/null
fi
command -v chromium >/dev/null 2>&1 || { echo "install-system-deps: chromium still missing after install" >&2; exit 1; }
# Debian keeps PostgreSQL's server programs off PATH, under /usr/lib/postgresql/VERSION/bin (tests/pg.py looks there).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
    || { echo "install-system-deps: PostgreSQL's initdb still missing after install" >&2; exit 1; }
command -v redis-server >/dev/null 2>&1 || { echo "install-system-deps: redis-server still missing after install" >&2; exit 1; }
