#!/usr/bin/env bash
# `make bench-profile`: what keeping a real-time profile (profile_define) costs the
# writers of its source table, and what reading it costs, as ratios against baselines
# measured in the same run:
#
#   1. batched inserts (1,000 rows per statement) into events with a 10-feature profile,
#      against the same inserts with no profile, for uniform and for skewed users;
#   2. single-row inserts from 4 concurrent pgbench clients, with the profile and without;
#   3. the batches of 1. with the same profile kept by a hand-written PL/pgSQL ROW
#      trigger (one INSERT ... ON CONFLICT DO UPDATE per row), against the extension;
#   4. reading one user from customer_profile_now, against reading the profile table.
#
# For scale, after each batched load with the profile, the floor of any per-user
# profile: one UPDATE per batch of its users' profile rows, to the values they have.
#
# After every load into a profiled table the profile is checked against a recomputation
# (profile_verify, and the same check for the hand-written table); the script fails if
# any key differs, so a fast but wrong profile cannot pass. Timings are reported, never
# asserted: the summary says which targets were met.
#
#   BENCH_EVENTS          events in the generated log (default 1000000)
#   BENCH_USERS           users (default 100000)
#   BENCH_RUNS            timed runs (rounds) of each measurement; the median counts
#                         (default 3)
#   BENCH_INSERT_SECONDS  duration of each single-row pgbench run (default 5)
#   BENCH_READ_SECONDS    duration of each read pgbench run (default 3)
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) fails the script too
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh

BENCH_EVENTS=${BENCH_EVENTS:-1000000}
BENCH_USERS=${BENCH_USERS:-100000}
RUNS=${BENCH_RUNS:-3}
BENCH_INSERT_SECONDS=${BENCH_INSERT_SECONDS:-5}
BENCH_READ_SECONDS=${BENCH_READ_SECONDS:-3}
BATCH=1000      # rows per INSERT statement
CLIENTS=4       # concurrent single-row inserters (pgbench -c), on 2 threads (-j)
PROFILE=customer_profile
declare -A LABEL=([none]="no profile" [profile]="profile_define" [hand]="PL/pgSQL row trigger"
    [floor]="its rows updated alone"
    [events_plain]="events_plain, no profile" [events]="events, profile_define"
    [table]="$PROFILE" [now]="${PROFILE}_now")
LOGS=target/bench-profile
# Ten features: counts, sums, min/max, two FILTERs, an average and two windows.
FEATURES=$(cat <<'JSON'
{
  "orders":     "count(*)",
  "spend":      "sum(amount)",
  "items":      "count(amount)",
  "biggest":    "max(amount)",
  "smallest":   "min(amount)",
  "c1_orders":  "count(*) FILTER (WHERE category = 'c1')",
  "c2_spend":   "sum(amount) FILTER (WHERE category = 'c2')",
  "avg_amount": "avg(amount)",
  "spend_30d":  {"aggregate": "sum(amount)", "window": "30 days"},
  "orders_7d":  {"aggregate": "count(*)", "window": "7 days"}
}
JSON
)

if [ "$BENCH_USERS" -lt 100 ] || [ "$BENCH_EVENTS" -lt "$BATCH" ]; then
    echo "bench-profile: needs BENCH_USERS >= 100 and BENCH_EVENTS >= $BATCH" >&2
    exit 1
fi

bench_build
bench_start

# Another build installing the extension while this runs would swap the library the
# server's new sessions load; the measurements would then not all be of this build.
# library_unchanged fails the script if the installed library is no longer this one.
LIBRARY=$("$PG_CONFIG" --pkglibdir)/pg_persona.so
LIBRARY_SUM=$(md5sum <"$LIBRARY")
library_unchanged() {
    if [ "$(md5sum <"$LIBRARY")" != "$LIBRARY_SUM" ]; then
        echo "bench-profile: $LIBRARY was replaced during the run (another install?); run again" >&2
        exit 1
    fi
}
rm -rf "$LOGS"
mkdir -p "$LOGS"

# ---------------------------------------------------------------------------------------
# The event logs, generated once. Each staging table holds BENCH_EVENTS events: a user,
# one of 5 categories, an amount of 0.00 to 200.00 and a time in the last 365 days.
# `uniform` draws users uniformly; in `skewed` the first 1% of users get half the
# events and the other half is spread over the remaining 99%. The ids number the rows
# in a random order (a shuffle), so the batches, which take ids in turn, arrive in no
# particular order of user or time. setseed in the same session makes it reproducible.
# ---------------------------------------------------------------------------------------
echo "Generating $BENCH_EVENTS events over $BENCH_USERS users, uniform and skewed..."
started=$EPOCHREALTIME
bench_psql -v events="$BENCH_EVENTS" -v users="$BENCH_USERS" <<'SQL'
SELECT setseed(0.42) \g /dev/null
CREATE TABLE staging_uniform AS
SELECT row_number() OVER (ORDER BY random()) AS id, g.*
FROM (SELECT 1 + floor(random() * :users)::bigint AS user_id,
             'c' || (1 + floor(random() * 5))::int AS category,
             round((random() * 200)::numeric, 2)::numeric(10, 2) AS amount,
             now() - random() * interval '365 days' AS at
      FROM generate_series(1, :events)
      OFFSET 0) AS g;  -- OFFSET 0 keeps the subquery (and its random() calls) as is
CREATE TABLE staging_skewed AS
SELECT row_number() OVER (ORDER BY random()) AS id, g.*
FROM (SELECT CASE WHEN random() < 0.5
                  THEN 1 + floor(random() * (:users / 100))::bigint
                  ELSE :users / 100 + 1 + floor(random() * (:users - :users / 100))::bigint
             END AS user_id,
             'c' || (1 + floor(random() * 5))::int AS category,
             round((random() * 200)::numeric, 2)::numeric(10, 2) AS amount,
             now() - random() * interval '365 days' AS at
      FROM generate_series(1, :events)
      OFFSET 0) AS g;
ALTER TABLE staging_uniform ADD PRIMARY KEY (id);
ALTER TABLE staging_skewed ADD PRIMARY KEY (id);
VACUUM ANALYZE staging_uniform;
VACUUM ANALYZE staging_skewed;
SQL
awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "Generated in %.1f s\n", b - a }'

# The batched load of each variant: one INSERT ... SELECT of BATCH consecutive ids per
# statement, run by psql in autocommit (each statement its own transaction). Every
# timed load goes into `events`; the untimed one into events_plain (section 2) is the
# same file with the table renamed.
for variant in uniform skewed; do
    awk -v n="$BENCH_EVENTS" -v b="$BATCH" -v t="staging_$variant" 'BEGIN {
        for (lo = 1; lo <= n; lo += b) {
            hi = lo + b - 1; if (hi > n) hi = n
            printf "INSERT INTO events SELECT id, user_id, category, amount, at FROM %s WHERE id BETWEEN %d AND %d;\n", t, lo, hi
        }
    }' >"$LOGS/load_$variant.sql"
    # The floor of any per-user profile: each batch's users' profile rows updated
    # (to the same values) and nothing else, one UPDATE per batch.
    awk -v n="$BENCH_EVENTS" -v b="$BATCH" -v t="staging_$variant" -v p="$PROFILE" 'BEGIN {
        for (lo = 1; lo <= n; lo += b) {
            hi = lo + b - 1; if (hi > n) hi = n
            printf "UPDATE %s SET events = events WHERE user_id = ANY (ARRAY(SELECT user_id FROM %s WHERE id BETWEEN %d AND %d));\n", p, t, lo, hi
        }
    }' >"$LOGS/touch_$variant.sql"
done

# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

# create_events TABLE: an empty event table with the (user_id, at) index. Every variant,
# the baselines included, has that index, so the comparisons measure the maintenance of
# the profile and not the index (profile_define would create it if it were missing).
create_events() {
    bench_psql <<SQL
CREATE TABLE $1 (
    id       bigint,
    user_id  bigint NOT NULL,
    category text NOT NULL,
    amount   numeric(10, 2),
    at       timestamptz NOT NULL
);
CREATE INDEX ON $1 (user_id, at);
SQL
}

# fresh_events MODE: drops whatever the previous measurement left and creates an empty
# events table. MODE says what keeps a profile of it: `none`, `profile` (profile_define
# on the empty table) or `hand` (the PL/pgSQL row trigger of profile_hand.sql).
fresh_events() {
    library_unchanged
    bench_psql <<'SQL'
SET client_min_messages = warning;
SELECT profile_undefine(p.name) FROM persona.profiles AS p \g /dev/null
DROP TABLE IF EXISTS events, events_plain, hand_profile;
DROP FUNCTION IF EXISTS hand_profile_row(), hand_profile_mismatches();
SQL
    create_events events
    case $1 in
    none) ;;
    profile)
        bench_psql -v profile="$PROFILE" -v features="$FEATURES" <<'SQL'
SELECT profile_define(:'profile', 'events', 'user_id', 'at', :'features') \g /dev/null
SQL
        ;;
    hand) bench_psql -f scripts/bench/profile_hand.sql ;;
    esac
    bench_psql -c CHECKPOINT
}

# load VARIANT: the timed batched load of staging_VARIANT into events; prints the
# wall-clock seconds. Fails unless events then holds every staged row.
load() {
    local started=$EPOCHREALTIME rows
    bench_psql -f "$LOGS/load_$1.sql"
    awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }'
    rows=$(bench_psql -At -c "SELECT count(*) FROM events")
    if [ "$rows" != "$BENCH_EVENTS" ]; then
        echo "bench-profile: events holds $rows rows after the $1 load, not $BENCH_EVENTS" >&2
        exit 1
    fi
}

# check_profile WHEN: fails unless profile_verify finds every key exact.
check_profile() {
    local bad
    bad=$(bench_psql -At -c "SELECT profile_verify('$PROFILE')") || { library_unchanged; exit 1; }
    echo "         profile_verify after $1: $bad mismatching keys"
    if [ "$bad" != "0" ]; then
        echo "bench-profile: profile_verify('$PROFILE') = $bad after $1; the profile is not exact" >&2
        exit 1
    fi
}

# check_hand WHEN: the same check for the hand-written trigger's table.
check_hand() {
    local bad
    bad=$(bench_psql -At -c "SELECT hand_profile_mismatches()")
    echo "         hand_profile check after $1: $bad mismatching keys"
    if [ "$bad" != "0" ]; then
        echo "bench-profile: hand_profile differs from events for $bad keys after $1" >&2
        exit 1
    fi
}

# settle TABLE...: before pgbench runs, statistics and visibility maps as steady tables
# would have them, and no dirty buffers left over from the loads.
settle() {
    local t
    for t in "$@"; do
        bench_psql -c "VACUUM ANALYZE $t"
    done
    bench_psql -c CHECKPOINT
}

# pgbench_run ARGS...: pgbench against the benchmark database, as the postgres role over
# TCP, with :users set; its output goes to the log and on to the caller.
pgbench_run() {
    "$PG_BIN/pgbench" -h 127.0.0.1 -p "$port" -U "$PG_USER" -n -D users="$BENCH_USERS" \
        "$@" "$BENCH_DB" 2>&1 | tee -a "$LOGS/pgbench.log"
}

# insert_tps TABLE: CLIENTS clients inserting single events into TABLE for
# BENCH_INSERT_SECONDS; prints the tps (without the initial connection time). The
# script names the table as :table, which pgbench's simple query mode substitutes.
insert_tps() {
    pgbench_run -f scripts/bench/profile_insert.sql -D table="$1" -c "$CLIENTS" -j 2 \
        -T "$BENCH_INSERT_SECONDS" |
        awk '/^tps = / && /without initial connection time/ { printf "%.0f\n", $3 }'
}

# read_ms SCRIPT: one client running SCRIPT (prepared statements) for
# BENCH_READ_SECONDS; prints the average latency in ms.
read_ms() {
    pgbench_run -M prepared -f "$1" -c 1 -j 1 -T "$BENCH_READ_SECONDS" |
        awk '/^latency average = / { print $4 }'
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# R[key]: the result of each run, space-separated; the summary takes the medians.
declare -A R

# ---------------------------------------------------------------------------------------
# 1 and 3: the batched loads. Each starts from an empty events table (with an empty
# profile, or the hand-written trigger and its empty table, where there is one). The
# three kinds of load take turns, RUNS times, so drifting machine load (2 CPUs, maybe
# shared) falls on all of them alike.
# ---------------------------------------------------------------------------------------
for variant in uniform skewed; do
    echo
    echo "== batched loads, $variant users: $BENCH_EVENTS events, $BATCH per statement =="
    for run in $(seq "$RUNS"); do
        for mode in none profile hand; do
            fresh_events "$mode"
            s=$(load "$variant")
            R[$variant,$mode]+="$s "
            printf '  run %d  %-24s %8s s\n' "$run" "${LABEL[$mode]}" "$s"
            case $mode in
            profile)
                check_profile "the $variant batched load"
                bench_psql -c CHECKPOINT
                started=$EPOCHREALTIME
                bench_psql -f "$LOGS/touch_$variant.sql"
                s=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }')
                R[$variant,floor]+="$s "
                printf '  run %d  %-24s %8s s\n' "$run" "${LABEL[floor]}" "$s"
                ;;
            hand) check_hand "the $variant batched load" ;;
            esac
        done
    done
done

# ---------------------------------------------------------------------------------------
# 2 and 4: single-row inserts from concurrent clients, then reads of one user. Two
# tables start from the same state, the uniform events loaded in batches: `events`,
# with the profile kept from the start, and `events_plain`, with none. pgbench runs
# against each in turn, RUNS rounds, so both see the same machine.
# ---------------------------------------------------------------------------------------
echo
echo "== single-row inserts, $CLIENTS clients, ${BENCH_INSERT_SECONDS}s per run =="
fresh_events profile
load uniform >/dev/null
check_profile "the uniform batched load"
create_events events_plain
sed 's/^INSERT INTO events /INSERT INTO events_plain /' "$LOGS/load_uniform.sql" | bench_psql
settle events events_plain "$PROFILE"
for run in $(seq "$RUNS"); do
    for table in events_plain events; do
        tps=$(insert_tps "$table")
        R[insert,$table]+="$tps "
        printf '  run %d  %-24s %8s tps\n' "$run" "${LABEL[$table]}" "$tps"
    done
done
check_profile "the concurrent single-row inserts"

echo
echo "== reading one user, 1 client, ${BENCH_READ_SECONDS}s per run =="
settle events "$PROFILE"
for run in $(seq "$RUNS"); do
    for view in table now; do
        ms=$(read_ms "scripts/bench/profile_read_$view.sql")
        R[read,$view]+="$ms "
        printf '  run %d  %-24s %8s ms\n' "$run" "${LABEL[$view]}" "$ms"
    done
done
fresh_events none
library_unchanged

for key in "${!R[@]}"; do
    if [ "$(echo "${R[$key]}" | wc -w)" != "$RUNS" ]; then
        echo "bench-profile: a run of $key reported no result; see $LOGS/pgbench.log" >&2
        exit 1
    fi
done

# ---------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------
m() { echo "${R[$1]}" | median; }
echo
bench_machine
echo "pg_persona: $(bench_psql -At -c 'SELECT profile_version()')"
echo "events:     $BENCH_EVENTS, users: $BENCH_USERS, $BATCH rows per batched statement"
echo "runs:       $RUNS of each measurement, medians below; pgbench inserts $CLIENTS clients -j 2 for ${BENCH_INSERT_SECONDS}s, reads 1 client -M prepared for ${BENCH_READ_SECONDS}s"
echo
awk -v un="$(m uniform,none)" -v up="$(m uniform,profile)" -v uh="$(m uniform,hand)" \
    -v sn="$(m skewed,none)" -v sp="$(m skewed,profile)" -v sh="$(m skewed,hand)" \
    -v uf="$(m uniform,floor)" -v sf="$(m skewed,floor)" \
    -v tn="$(m insert,events_plain)" -v tp="$(m insert,events)" \
    -v rt="$(m read,table)" -v rn="$(m read,now)" -v summary="$BENCH_SUMMARY" 'BEGIN {
    f = "%-44s | %10s | %12s | %6s | %-13s | %s\n"
    printf f, "measurement", "baseline", "with profile", "ratio", "target", "met?"
    row("batched inserts, uniform: s, vs no profile", un, up, up / un, "ratio <= 2", up / un <= 2)
    row("batched inserts, skewed: s, vs no profile", sn, sp, sp / sn, "ratio <= 2", sp / sn <= 2)
    row("floor, uniform: s, inserts + rows updated", un, un + uf, (un + uf) / un, "(for scale)", -1)
    row("floor, skewed: s, inserts + rows updated", sn, sn + sf, (sn + sf) / sn, "(for scale)", -1)
    row("single-row inserts, 4 clients: tps", tn, tp, tp / tn, "ratio >= 0.5", tp / tn >= 0.5)
    row("batched, uniform: s, vs PL/pgSQL row trigger", uh, up, uh / up, "ratio >= 2", uh / up >= 2)
    row("batched, skewed: s, vs PL/pgSQL row trigger", sh, sp, sh / sp, "ratio >= 2", sh / sp >= 2)
    row("read one user: avg ms, _now vs the table", rt, rn, rn / rt, "_now < 1 ms", rn < 1)
    print ""
    print "ratio = with profile / baseline, except against the PL/pgSQL row trigger: its time /"
    print "the extension'"'"'s time (how many times faster the extension is). The floor adds to the"
    print "inserts one UPDATE per batch of the profile rows of its users, to the values they have:"
    print "the row versions any per-user profile kept in a PostgreSQL table must write, and no"
    print "more; its ratio is the least any such profile could reach."
}
function row(name, base, prof, ratio, target, met) {
    printf f, name, base, prof, sprintf("%.2f", ratio), target, (met < 0 ? "-" : met ? "met" : "MISSED")
    if (summary != "" && met >= 0)
        printf "profile\t%s\t%.2f\t%s\t%s\n", name, ratio, target, (met ? "met" : "MISSED") >> summary
}'
