# Shared by the scripts that need a throwaway PostgreSQL 15 server (demo, regress).
# Source it; it defines functions and sets nothing else.
#
# Postgres refuses to run as root, so the server runs as the `postgres` OS user
# (created by Debian's postgresql-15 package). Its data directory and socket live in a
# directory under target/ when that user can reach it, else in a fresh one under /tmp.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}
PG_USER=postgres

# Runs a command as the postgres OS user.
as_pg() {
    if [ "$(id -un)" = "$PG_USER" ]; then
        "$@"
    elif [ "$(id -u)" -eq 0 ]; then
        runuser -u "$PG_USER" -- "$@"
    else
        sudo -u "$PG_USER" -- "$@"
    fi
}

# Prints the first TCP port from 54320 up that nothing listens on.
free_port() {
    local port
    for port in $(seq 54320 54999); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port between 54320 and 54999" >&2
    return 1
}

# Prints a fresh, empty directory the postgres user owns, named after $1, under
# target/ if the postgres user can reach it there, else under /tmp.
server_dir() {
    local name=$1 dir="$PWD/target/$1"
    mkdir -p "$PWD/target"
    if as_pg test -x "$PWD/target" 2>/dev/null; then
        rm -rf "$dir"
        mkdir -p "$dir"
    else
        dir=$(mktemp -d "/tmp/pg_persona-$name.XXXXXX")
    fi
    chown "$PG_USER" "$dir" 2>/dev/null || sudo chown "$PG_USER" "$dir"
    echo "$dir"
}

# start_server DIR PORT: initdb a cluster in DIR/data and start it on PORT, listening
# on 127.0.0.1 and a socket in DIR. Trust authentication: the cluster is throwaway and
# reachable only from this machine.
start_server() {
    local dir=$1 port=$2
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U "$PG_USER" -A trust --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    # Without RUST_BACKTRACE, errors carry no Rust backtrace in their DETAIL.
    as_pg env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE \
        "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start \
        >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

# stop_server DIR: stop the cluster in DIR/data if it runs.
stop_server() {
    local dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

# Installs the extension into the PostgreSQL that $PG_CONFIG describes. Extra arguments
# go to `cargo pgrx install` (e.g. --release). Root writes there directly, anyone else
# through sudo.
install_extension() {
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(--sudo)
    cargo pgrx install --pg-config "$PG_CONFIG" "${sudo[@]}" "$@"
}
