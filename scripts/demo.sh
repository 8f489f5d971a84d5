#!/usr/bin/env bash
# `make demo`: build pg_persona in release mode, install it, start a throwaway
# PostgreSQL 15 server, run demo/walkthrough.sh against it and stop the server.
# KEEP=1 leaves the server running and prints how to connect.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

KEEP=${KEEP:-0}
mkdir -p target
build_log=target/demo-build.log

echo "Building and installing pg_persona (release; log in $build_log)..."
if ! install_extension --release >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    echo "demo: the build failed; full log in $build_log" >&2
    exit 1
fi

# A server an earlier `make demo KEEP=1` left running goes first.
bash scripts/demo-stop.sh >/dev/null
dir=$(server_dir demo)
port=$(free_port)
if [ "$KEEP" != 1 ]; then
    trap 'stop_server "$dir"' EXIT
fi
start_server "$dir" "$port"
echo "PostgreSQL 15 started on port $port (data in $dir/data)"
echo

demo/walkthrough.sh "$port" persona_demo

echo
if [ "$KEEP" = 1 ]; then
    echo "The server keeps running. Connect with:"
    echo "    psql -h 127.0.0.1 -p $port -U $PG_USER -d persona_demo"
    echo "Stop it with:"
    echo "    make demo-stop"
else
    echo "Server stopped."
fi
