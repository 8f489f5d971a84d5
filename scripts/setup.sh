#!/usr/bin/env bash
# Installs what building and testing pg_persona needs, and only what is missing:
# Debian packages, CMake >= 3.28 from PyPI (LightGBM's build needs it; Debian 12 has
# 3.25), cargo-pgrx at the version pinned in Cargo.toml, and pgrx's configuration
# pointing at the system PostgreSQL 15. Safe to run again.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PGRX_VERSION=0.18.1
PACKAGES=(postgresql-15 postgresql-server-dev-15 libclang-dev clang pkg-config sudo)

say() { printf 'setup: %s\n' "$*"; }

# Root runs apt directly; anyone else goes through sudo.
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    log=$(mktemp /tmp/pg_persona-apt.XXXXXX.log)
    if ! { "${SUDO[@]}" apt-get update -q &&
           "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
               apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        say "apt-get failed; full log in $log" >&2
        exit 1
    fi
    rm -f "$log"
else
    say "Debian packages present"
fi

# CMake for LightGBM, in a virtual environment of its own; the Makefile points the
# build at it (CMAKE=...).
CMAKE_VENV=${CMAKE_VENV:-$HOME/.cache/pg_persona/cmake}
CMAKE_VERSION=4.4.5
if [ "$("$CMAKE_VENV/bin/cmake" --version 2>/dev/null | head -n 1)" != "cmake version $CMAKE_VERSION" ]; then
    say "installing CMake $CMAKE_VERSION from PyPI into $CMAKE_VENV"
    log=$(mktemp /tmp/pg_persona-cmake.XXXXXX.log)
    if ! { python3 -m venv "$CMAKE_VENV" &&
           "$CMAKE_VENV/bin/pip" install -q "cmake==$CMAKE_VERSION"; } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        say "installing CMake failed; full log in $log" >&2
        exit 1
    fi
    rm -f "$log"
else
    say "CMake $CMAKE_VERSION present"
fi

if [ "$(cargo pgrx --version 2>/dev/null)" != "cargo-pgrx $PGRX_VERSION" ]; then
    say "installing cargo-pgrx $PGRX_VERSION (about 6 minutes on 2 cores)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --force --quiet
else
    say "cargo-pgrx $PGRX_VERSION present"
fi

config="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
if ! grep -qs "^pg15 = \"$PG_CONFIG\"" "$config"; then
    say "pointing pgrx at $PG_CONFIG"
    cargo pgrx init --pg15 "$PG_CONFIG" >/dev/null
else
    say "pgrx configured for $PG_CONFIG"
fi
