#!/usr/bin/env bash
# Stops the server `make demo KEEP=1` left running.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
for dir in target/demo /tmp/pg_persona-demo.*; do
    [ -d "$dir/data" ] && stop_server "$dir" && echo "stopped the demo server in $dir"
done
exit 0
