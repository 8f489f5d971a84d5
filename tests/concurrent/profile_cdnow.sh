#!/usr/bin/env bash
# Four sessions write the CDNOW purchase log into `purchases` at once, in shuffled
# batches of random sizes (1 to 120 rows) with overlapping customers, then each corrects
# and deletes some rows while the others still write. The profile the triggers kept must
# then be exact: profile_verify returns 0 and it equals a GROUP BY recomputation. Any
# error in a session (a deadlock, say) fails the check.
#
# Usage: tests/concurrent/profile_cdnow.sh PORT OUTDIR  (a server of scripts/pg.sh on
# 127.0.0.1:PORT with pg_persona installed; run from the repository root)
set -euo pipefail
port=$1
out=$2
db=concurrent
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
mkdir -p "$out"

"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
"${psql[@]}" -d "$db" >"$out/setup.out" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pg_persona;
CREATE TABLE cdnow (customer_id int, purchased_on date, cds int, amount numeric);
\copy cdnow FROM 'tests/data/cdnow_sample.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE purchases (
    id bigint PRIMARY KEY, customer_id int, purchased_on date, cds int, amount numeric
);
SELECT profile_define('customer_profile', 'purchases', 'customer_id', 'purchased_on', '{
    "orders": "count(*)", "spend": "sum(amount)", "cds": "sum(cds)",
    "avg_order": "avg(amount)", "max_order": "max(amount)",
    "spend_90d": {"aggregate": "sum(amount)", "window": "90 days"}
}');
SELECT setseed(0.75);
CREATE TABLE log AS SELECT row_number() OVER (ORDER BY random()) AS id, c.* FROM cdnow c;
CREATE TABLE cuts AS
WITH RECURSIVE b(n, upto) AS (
    SELECT 1, (1 + floor(random() * 120))::bigint
    UNION ALL
    SELECT n + 1, upto + (1 + floor(random() * 120))::bigint FROM b
    WHERE upto < (SELECT count(*) FROM log)
)
SELECT n, coalesce(lag(upto) OVER (ORDER BY n), 0) AS after, upto FROM b;
SQL

# Session s inserts the batches n with n % 4 = s, in order, one statement each, then
# corrects and deletes rows of its own (id % 4 = s) whatever customers they belong to.
for s in 0 1 2 3; do
    {
        "${psql[@]}" -At -d "$db" -c "
            SELECT format('INSERT INTO purchases SELECT * FROM log WHERE id > %s AND id <= %s;',
                          after, upto)
            FROM cuts WHERE n % 4 = $s ORDER BY n"
        echo "UPDATE purchases SET amount = amount + 1 WHERE id % 4 = $s AND id % 7 = 0;"
        echo "UPDATE purchases SET customer_id = customer_id + 1 WHERE id % 4 = $s AND id % 29 = 0;"
        echo "UPDATE purchases SET purchased_on = purchased_on + 45 WHERE id % 4 = $s AND id % 31 = 0;"
        echo "DELETE FROM purchases WHERE id % 4 = $s AND id % 11 = 0;"
    } >"$out/session$s.sql"
done
statements=$(cat "$out"/session?.sql | wc -l)

pids=()
for s in 0 1 2 3; do
    "${psql[@]}" -d "$db" -f "$out/session$s.sql" >"$out/session$s.out" 2>&1 &
    pids+=($!)
done
failed=0
for s in 0 1 2 3; do
    if ! wait "${pids[$s]}"; then
        echo "session $s failed:" >&2
        cat "$out/session$s.out" >&2
        failed=1
    fi
done
[ $failed -eq 0 ] || exit 1

result=$("${psql[@]}" -At -d "$db" <<'SQL'
CREATE VIEW recomputed AS
SELECT customer_id, count(*) AS events, min(purchased_on) AS first_seen,
       max(purchased_on) AS last_seen, count(*) AS orders, sum(amount) AS spend,
       sum(cds) AS cds, avg(amount) AS avg_order, max(amount) AS max_order
FROM purchases GROUP BY customer_id;
CREATE VIEW kept AS
SELECT customer_id, events, first_seen, last_seen, orders, spend, cds, avg_order, max_order
FROM customer_profile;
SELECT profile_verify('customer_profile') || ' '
    || (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM recomputed) AS a)
     + (SELECT count(*) FROM (SELECT * FROM recomputed EXCEPT SELECT * FROM kept) AS b) || ' '
    || (SELECT count(*) FROM purchases) || ' ' || (SELECT count(*) FROM kept);
SQL
)
read -r verify differing rows customers <<<"$result"
if [ "$verify" = 0 ] && [ "$differing" = 0 ] && [ "$rows" -gt 0 ]; then
    echo "concurrent writers ... ok ($statements statements from 4 sessions; $rows purchases of $customers customers; profile_verify 0; 0 customers differ from a GROUP BY)"
else
    echo "concurrent writers ... FAILED (profile_verify $verify; $differing customers differ from a GROUP BY)"
    exit 1
fi
"${psql[@]}" -d postgres -c "DROP DATABASE $db"
