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

# The README's quick start must run as written: its first sql block, in a fresh database.
if [ $# -eq 0 ]; then
    awk '/^## Quick start/ {q = 1} q && /^```sql/ {s = 1; next} s && /^```/ {exit} s' \
        README.md >"$out/quickstart.sql"
    psql=(psql -X -q -h 127.0.0.1 -p "$port" -U "$PG_USER")
    "${psql[@]}" -d postgres -c 'CREATE DATABASE quickstart'
    if [ -s "$out/quickstart.sql" ] &&
        "${psql[@]}" -d quickstart -v ON_ERROR_STOP=1 -f "$out/quickstart.sql" \
            >"$out/quickstart.out" 2>&1; then
        echo "README quick start ... ok ($(grep -c . "$out/quickstart.sql") lines)"
    else
        cat "$out/quickstart.out"
        echo "README quick start ... FAILED (output in $out/quickstart.out)"
        status=1
    fi

    # Four sessions writing one purchase log at once leave the profile exact, and so
    # does defining a profile while a session writes its source.
    for check in profile_cdnow profile_define_while_writing; do
        if ! "tests/concurrent/$check.sh" "$port" "$out/concurrent"; then
            status=1
        fi
    done

    # Long calls report progress.
    if ! tests/psql/progress_notices.sh "$port" "$out/progress"; then
        status=1
    fi

    # gbdt trains and scores as LightGBM's own Python package does.
    . scripts/python-env.sh
    if python_env target/python target/python.log &&
        tests/python/gbdt_lightgbm.sh "$port" "$out/gbdt" "$PYTHON"; then
        :
    else
        cat "$out/gbdt/gbdt_lightgbm.out" 2>/dev/null || true
        echo "gbdt against LightGBM ... FAILED (output in $out/gbdt)"
        status=1
    fi

    # The walkthrough of `make demo` runs to the end, and the model it trains on the
    # CDNOW profiles ranks customers well on its test rows.
    if demo/walkthrough.sh "$port" walkthrough >"$out/walkthrough.out" 2>&1 &&
        auc=$("${psql[@]}" -At -d walkthrough -c "
            SELECT round((metrics->'test'->>'roc_auc')::numeric, 3) FROM persona.models
            WHERE name = 'repeat_buyer' AND version = 1") &&
        awk -v a="$auc" 'BEGIN { exit !(a > 0.7) }'; then
        echo "demo walkthrough ... ok (5 steps; repeat_buyer version 1 test ROC AUC $auc > 0.7)"
    else
        cat "$out/walkthrough.out"
        echo "demo walkthrough ... FAILED (test ROC AUC ${auc:-?}; output in $out/walkthrough.out)"
        status=1
    fi

    # Models and profiles survive pg_dump and restore: the restored database scores
    # identically, keeps the deploy history and the profile, and its triggers keep the
    # profile exact as new purchases arrive.
    # A gbdt model goes along too.
    "${psql[@]}" -q -d quickstart -c "SET client_min_messages = warning" -c "
        SELECT FROM profile_train('repeat_gbdt', 'repeat_training', 'bought_again', 'gbdt',
                                  exclude => ARRAY['customer_id', 'first_seen', 'last_seen'])" \
        >>"$out/quickstart.out" 2>&1 || status=1
    check='SELECT (SELECT sum(profile_score($$repeat_buyer$$, p))
                   FROM customer_profile_as_of($$1997-10-01$$) p)::text
                  || $$ / $$ || (SELECT sum(profile_score($$repeat_gbdt$$, p))
                   FROM customer_profile_as_of($$1997-10-01$$) p)::text
                  || $$ / $$ || (SELECT count(*) FROM persona.deployments)
                  || $$ / $$ || (SELECT max(version) FROM persona.models)
                  || $$ / $$ || (SELECT sum(spend) FROM customer_profile)'
    still_kept="INSERT INTO purchases VALUES (999999, '1998-07-01', 1, 9), (4, '1998-07-02', 2, 20);
                SELECT profile_verify('customer_profile') || ' ' || count(*)
                FROM customer_profile WHERE customer_id = 999999"
    "${psql[@]}" -d postgres -c 'CREATE DATABASE restored'
    if "$PG_BIN/pg_dump" -h 127.0.0.1 -p "$port" -U "$PG_USER" quickstart >"$out/dump.sql" &&
        "${psql[@]}" -d restored -v ON_ERROR_STOP=1 -f "$out/dump.sql" >"$out/restore.out" 2>&1 &&
        before=$("${psql[@]}" -At -d quickstart -c "$check") &&
        after=$("${psql[@]}" -At -d restored -c "$check") &&
        [ -n "$before" ] && [ "$before" = "$after" ] &&
        kept=$("${psql[@]}" -At -d restored -c "$still_kept") && [ "$kept" = "0 1" ]; then
        echo "dump and restore ... ok (logistic scores / gbdt scores / deployments / versions / profile spend: $after; profile_verify after new purchases: 0)"
    else
        cat "$out/restore.out"
        echo "dump and restore ... FAILED (before: ${before:-?}, after: ${after:-?}, profile after new purchases: ${kept:-?})"
        status=1
    fi
fi
exit $status
