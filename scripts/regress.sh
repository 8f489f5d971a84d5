#!/usr/bin/env bash
# The golden SQL tests: install the extension (debug build), start a throwaway
# PostgreSQL 15 server and run every tests/pg_regress/sql/*.sql through pg_regress,
# comparing the output with tests/pg_regress/expected/*.out.
# Arguments, if any, name the tests to run (default: all of them).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

mkdir -p target
out=target/regress-results
rm -rf "$out" && mkdir -p "$out"

if ! install_extension >"$out/install.log" 2>&1; then
    tail -n 40 "$out/install.log" >&2
    echo "regress: installing the extension failed; full log in $out/install.log" >&2
    exit 1
fi

if [ $# -gt 0 ]; then
    tests=("$@")
else
    tests=()
    for f in tests/pg_regress/sql/*.sql; do tests+=("$(basename "$f" .sql)"); done
fi

dir=$(server_dir regress)
port=$(free_port)
trap 'stop_server "$dir"' EXIT
start_server "$dir" "$port"

pg_regress="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress"
status=0
"$pg_regress" \
    --inputdir=tests/pg_regress \
    --outputdir="$out" \
    --bindir="$PG_BIN" \
    --host=127.0.0.1 --port="$port" --user="$PG_USER" \
    --dbname=pg_persona_regress \
    --load-extension=pg_persona \
    "${tests[@]}" || status=$?

if [ $status -ne 0 ] && [ -f "$out/regression.diffs" ]; then
    echo "--- differences (also in $out/regression.diffs):"
    head -n 200 "$out/regression.diffs"
fi
exit $status
