#!/usr/bin/env bash
# The walkthrough `make demo` shows, on the CDNOW purchase log (tests/data), against a
# server that has pg_persona installed:
#
#   1. a customer profile over `purchases`, kept by triggers;
#   2. the log up to 1997-10-01 streamed in weekly batches, the profile filling in;
#   3. a repeat-purchase model trained on the profiles as of 1997-10-01;
#   4. every customer scored in one query;
#   5. the rest of the log streamed, one customer followed, the model retrained.
#
# Usage: demo/walkthrough.sh PORT DATABASE  (run from the repository root; DATABASE must
# not exist: it is created). Exits non-zero if any step fails.
set -euo pipefail
shopt -s inherit_errexit
port=$1
db=$2
CUTOFF=1997-10-01
psql_base=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)

# sql [psql options]: runs SQL from stdin in the demo database, tables aligned.
sql() { "${psql_base[@]}" -d "$db" -P footer=off "$@"; }
# value QUERY: one value, unaligned.
value() { "${psql_base[@]}" -d "$db" -At -c "$1"; }
heading() { printf '\n== %s\n\n' "$*"; }

# The progress bar redraws in place on a terminal; elsewhere (logs, tests) only its
# last state is printed.
if [ -t 1 ]; then tty=1; else tty=0; fi
bar() { # bar DONE TOTAL LABEL
    local width=30 filled
    filled=$(($1 * width / $2))
    printf '  [%s%s] %5d of %d purchases  %s' \
        "$(printf '%*s' "$filled" '' | tr ' ' '#')" "$(printf '%*s' $((width - filled)) '' | tr ' ' '.')" \
        "$1" "$2" "$3"
}

# follow CUSTOMER AT: one line of CUSTOMER's profile and score as of AT (exclusive).
follow() {
    value "SELECT format('  %s  orders %3s  spend %8s  spend_90d %8s  p(buy again) %s',
                         date '$2' - 1, orders, spend, spend_90d,
                         round(profile_score('repeat_buyer', p)::numeric, 3))
           FROM customer_profile_as_of('$2') AS p WHERE customer_id = $1"
}

# stream FROM TO [CUSTOMER]: inserts the log's purchases from FROM (inclusive) to TO
# (exclusive) into `purchases`, one INSERT per week, in date order. With CUSTOMER, each
# week that brings that customer a purchase prints their profile and score as of the
# week's end.
stream() {
    local from=$1 to=$2 watch=${3:-} week next done=0 total line
    total=$(value "SELECT count(*) FROM cdnow_log
                   WHERE purchased_on >= '$from' AND purchased_on < '$to'")
    week=$from
    while [[ "$week" < "$to" ]]; do
        next=$(value "SELECT least(date '$week' + 7, date '$to')")
        line=$(value "WITH batch AS (
                          INSERT INTO purchases
                          SELECT * FROM cdnow_log
                          WHERE purchased_on >= '$week' AND purchased_on < '$next'
                          ORDER BY purchased_on
                          RETURNING customer_id)
                      SELECT count(*), count(*) FILTER (WHERE customer_id = ${watch:-NULL})
                      FROM batch")
        done=$((done + ${line%%|*}))
        if [ -n "$watch" ] && [ "${line##*|}" != 0 ]; then
            if [ "$tty" = 1 ]; then printf '\r\033[K'; fi
            follow "$watch" "$next"
        fi
        if [ "$tty" = 1 ]; then printf '\r'; bar "$done" "$total" "up to $next"; fi
        week=$next
    done
    if [ "$tty" = 1 ]; then printf '\n'; else bar "$done" "$total" "$from to $to"; printf '\n'; fi
}

started=$EPOCHREALTIME
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"${psql_base[@]}" -d postgres -c "CREATE DATABASE $db"

heading "1. A customer profile over purchases, kept exact by triggers"
sql <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pg_persona;
CREATE TABLE purchases (customer_id int, purchased_on date, cds int, amount numeric);
SELECT profile_define('customer_profile', 'purchases', 'customer_id', 'purchased_on', '{
    "orders":        "count(*)",
    "spend":         "sum(amount)",
    "cds":           "sum(cds)",
    "avg_order":     "avg(amount)",
    "largest_order": "max(amount)",
    "spend_90d":     {"aggregate": "sum(amount)", "window": "90 days"}
}') AS profile_table \gset
SELECT string_agg(attname, ', ' ORDER BY attnum) FILTER (WHERE attrelid = 'customer_profile'::regclass) AS stored,
       string_agg(attname, ', ' ORDER BY attnum) FILTER (WHERE attrelid = 'customer_profile_now'::regclass
           AND attname NOT IN (SELECT attname FROM pg_attribute WHERE attrelid = 'customer_profile'::regclass)) AS clocked
FROM pg_attribute
WHERE attrelid IN ('customer_profile'::regclass, 'customer_profile_now'::regclass) AND attnum > 0
  AND NOT attisdropped AND attname NOT LIKE '%\_\_%' \gset
\echo '  table' :profile_table '(one row per customer, kept by the triggers):'
\echo '      ' :stored
\echo '  view customer_profile_now and function customer_profile_as_of(at) add, as of now() or at:'
\echo '      ' :clocked
-- The log the walkthrough streams in: 6,919 real purchases, 1997-01 to 1998-06.
CREATE TABLE cdnow_log (customer_id int, purchased_on date, cds int, amount numeric);
\copy cdnow_log FROM 'tests/data/cdnow_sample.csv' WITH (FORMAT csv, HEADER)
SQL

heading "2. The purchase log up to $CUTOFF arrives, week by week"
stream 1997-01-01 "$CUTOFF"
echo
echo "  Three customers as of $CUTOFF (the log is from 1997, so the demo reads it with"
echo "  customer_profile_as_of; on live data customer_profile_now is the same as of now()):"
echo
sql <<SQL
SELECT customer_id, orders, spend, cds, round(avg_order, 2) AS avg_order, largest_order,
       spend_90d, recency_days, tenure_days
FROM customer_profile_as_of('$CUTOFF')
WHERE customer_id IN (SELECT customer_id FROM customer_profile ORDER BY spend DESC, customer_id LIMIT 3)
ORDER BY spend DESC;
SELECT profile_verify('customer_profile') AS "profile_verify (keys that differ from a recomputation)";
SQL

heading "3. Train a repeat-purchase model on the profiles as of $CUTOFF"
sql <<SQL
-- Features as of the cutoff, label: bought again after it. The cutoff is a row of its own
-- so that profile_retrain can later learn from a newer one.
CREATE TABLE training_cutoff (at date NOT NULL);
INSERT INTO training_cutoff VALUES ('$CUTOFF');
CREATE VIEW repeat_training AS
SELECT p.*, EXISTS (SELECT FROM cdnow_log l
                    WHERE l.customer_id = p.customer_id AND l.purchased_on >= c.at) AS bought_again
FROM training_cutoff AS c, customer_profile_as_of(c.at) AS p;
SET client_min_messages = warning;
SELECT model, version, train_rows, validation_rows, test_rows,
       round((metrics->'test'->>'roc_auc')::numeric, 3) AS test_roc_auc,
       round((metrics->'test'->>'accuracy')::numeric, 3) AS test_accuracy,
       round((metrics->'test'->>'log_loss')::numeric, 3) AS test_log_loss,
       deployed
FROM profile_train('repeat_buyer', 'repeat_training', 'bought_again',
                   exclude => ARRAY['customer_id', 'first_seen', 'last_seen']);
SQL

heading "4. Score every customer in one query: the ten most likely to buy again"
sql <<SQL
SELECT customer_id, orders, spend, spend_90d, recency_days, tenure_days,
       round(profile_score('repeat_buyer', p)::numeric, 3) AS p_buy_again
FROM customer_profile_as_of('$CUTOFF') AS p
ORDER BY p_buy_again DESC, customer_id
LIMIT 10;
SQL
# Followed in step 5: a customer the model was unsure of at the cutoff (a score near
# 0.5) who then buys at least three more times.
read -r watch watch_score < <(value "
    SELECT p.customer_id || ' ' || round(profile_score('repeat_buyer', p)::numeric, 3)
    FROM customer_profile_as_of('$CUTOFF') AS p
    WHERE (SELECT count(*) FROM cdnow_log l
           WHERE l.customer_id = p.customer_id AND l.purchased_on >= '$CUTOFF') >= 3
    ORDER BY abs(profile_score('repeat_buyer', p) - 0.5), p.customer_id
    LIMIT 1")

heading "5. The rest of the log arrives; customer $watch (p = $watch_score at the cutoff) buys again"
follow "$watch" "$CUTOFF"
stream "$CUTOFF" 1998-07-01 "$watch"
echo
sql <<'SQL'
SELECT profile_verify('customer_profile') AS "profile_verify",
       (SELECT count(*) FROM purchases) AS purchases,
       (SELECT count(*) FROM customer_profile) AS customers;
SQL
echo
echo "  Retrain with the cutoff moved to 1998-01-01 (label: bought again in 1998's first half):"
echo
if ! sql 2>"$scratch/retrain.err" <<'SQL'; then
UPDATE training_cutoff SET at = '1998-01-01';
SELECT model, version, train_rows + validation_rows + test_rows AS rows,
       round((metrics->'test'->>'roc_auc')::numeric, 3) AS test_roc_auc, deployed
FROM profile_retrain('repeat_buyer');
SQL
    cat "$scratch/retrain.err" >&2
    exit 1
fi
sed -n 's/^NOTICE:  profile_train: /  why: /p' "$scratch/retrain.err"
echo
sql <<'SQL'
SELECT name, version, round((metrics->'test'->>'roc_auc')::numeric, 3) AS test_roc_auc,
       (SELECT d.model_id = m.id FROM persona.deployments d WHERE d.name = m.name
        ORDER BY d.id DESC LIMIT 1) AS deployed_now
FROM persona.models m ORDER BY version;
SQL

awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "\nWalkthrough done in %.1f s.\n", b - a }'
