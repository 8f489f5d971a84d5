#!/usr/bin/env bash
# profile_define on a source that other sessions are writing: rows committed before it
# are backfilled, rows written while it runs wait for its lock and then reach the
# profile through the triggers, so none is lost or counted twice.
#
# Usage: tests/concurrent/profile_define_while_writing.sh PORT OUTDIR
set -euo pipefail
port=$1
out=$2
db=define_while_writing
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
mkdir -p "$out"

"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
"${psql[@]}" -d "$db" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pg_persona;
CREATE TABLE clicks (user_id int, at timestamptz DEFAULT clock_timestamp(), page text);
INSERT INTO clicks (user_id, page) SELECT i % 100, 'home' FROM generate_series(1, 5000) AS i;
SQL

# A writer inserting small batches from before the definition until after it.
"${psql[@]}" -d "$db" >"$out/writer.out" 2>&1 <<'SQL' &
SELECT format('INSERT INTO clicks (user_id, page) SELECT i %% 100, %L FROM generate_series(1, 50) AS i;
               SELECT pg_sleep(0.02);', 'batch ' || b)
FROM generate_series(1, 100) AS b \gexec
SQL
writer=$!
sleep 0.5
# The definition holds its lock for a second after backfilling, while the writer waits.
"${psql[@]}" -d "$db" >"$out/define.out" 2>&1 <<'SQL'
SET client_min_messages = warning;
BEGIN;
SELECT profile_define('click_profile', 'clicks', 'user_id', 'at',
                      '{"home": "count(*) FILTER (WHERE page = ''home'')"}');
SELECT pg_sleep(1);
COMMIT;
SQL
wait $writer || { cat "$out/writer.out" >&2; exit 1; }

result=$("${psql[@]}" -At -d "$db" -c "
    SELECT profile_verify('click_profile') || ' ' || (SELECT sum(events) FROM click_profile)
           || ' ' || (SELECT count(*) FROM clicks)")
read -r verify kept rows <<<"$result"
if [ "$verify" = 0 ] && [ "$kept" = "$rows" ] && [ "$rows" = 10000 ]; then
    echo "define while writing ... ok (5000 rows before, 5000 written around profile_define; profile_verify 0; events $kept of $rows)"
else
    echo "define while writing ... FAILED (profile_verify $verify; events $kept of $rows rows)"
    exit 1
fi
"${psql[@]}" -d postgres -c "DROP DATABASE $db"
