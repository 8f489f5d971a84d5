# Shared by scripts/bench/*.sh; source it from the repository root. It builds and
# installs the release extension, starts a throwaway server (stopped on exit) and loads
# the benchmark table.
#
#   BENCH_ROWS   rows of the table `bench` (default 1000000)

. scripts/pg.sh

BENCH_ROWS=${BENCH_ROWS:-1000000}
# `make bench` sets BENCH_SUMMARY to a file each benchmark adds its ratios to, one line
# per measurement: benchmark, measurement, ratio, target, met (tab-separated).
BENCH_SUMMARY=${BENCH_SUMMARY:-}
BENCH_DB=bench
mkdir -p target

# psql against the benchmark database; extra arguments are psql's.
bench_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$PG_USER" -d "$BENCH_DB" "$@"
}

# Builds and installs the release extension, output to a log under target/.
bench_build() {
    local log=target/bench-build.log
    echo "Building and installing pg_persona (release; log in $log)..."
    if ! install_extension --release >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "bench: the build failed; full log in $log" >&2
        exit 1
    fi
}

# Starts a server in target/bench (or /tmp) on a free port, stopped when the script
# exits, and creates the database with the extension. Sets $dir and $port.
bench_start() {
    dir=$(server_dir bench)
    port=$(free_port)
    trap 'stop_server "$dir"' EXIT
    start_server "$dir" "$port"
    psql -X -q -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres \
        -c "CREATE DATABASE $BENCH_DB"
    bench_psql -c 'CREATE EXTENSION pg_persona'
}

# Loads `bench`: id, x1..x20 standard normals (Box-Muller) and a label y drawn from a
# logistic model with intercept -1 and coefficient (-1)^k / k for x_k (ROC AUC of the
# true probabilities about 0.78). setseed in the same session makes it deterministic.
bench_load() {
    local k cols=() normals=() terms=()
    for k in $(seq 1 20); do
        cols+=("x$k float8")
        normals+=("sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS x$k")
        terms+=("$(( k % 2 == 0 ? 1 : -1 )).0 / $k * x$k")
    done
    local started=$EPOCHREALTIME
    bench_psql <<SQL
CREATE TABLE bench (id bigint, $(IFS=,; echo "${cols[*]}"), y boolean);
SELECT setseed(0.42) \g /dev/null
INSERT INTO bench
SELECT g.*, random() < 1 / (1 + exp(-(-1 + $(printf '%s + ' "${terms[@]}")0)))
FROM (SELECT id, $(IFS=,; echo "${normals[*]}")
      FROM generate_series(1, $BENCH_ROWS) AS id
      OFFSET 0) AS g;  -- OFFSET 0 keeps the subquery (and its random() calls) as is
VACUUM ANALYZE bench;
SQL
    awk -v n="$BENCH_ROWS" -v a="$started" -v b="$EPOCHREALTIME" \
        'BEGIN { printf "Loaded %d rows into bench in %.1f s\n", n, b - a }'
}

# Prints the machine and the server version.
bench_machine() {
    echo "machine:    $(nproc) CPUs, $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "postgres:   $(bench_psql -At -c 'SHOW server_version')"
}
