#!/usr/bin/env bash
# Long calls say how far they are: with pg_persona.progress_interval = 0 (report at every
# step), profile_define's and profile_rebuild's backfills give a NOTICE every 1024
# source rows and one when done, and profile_train one per batch of rows read and per
# optimizer iteration. (At the default of 5 seconds, the golden files' small inputs give
# none.)
#
# Usage: tests/psql/progress_notices.sh PORT OUTDIR
set -euo pipefail
port=$1
out=$2
db=progress_notices
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
mkdir -p "$out"

"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
"${psql[@]}" -d "$db" >"$out/progress.out" 2>&1 <<'SQL'
CREATE EXTENSION pg_persona;
CREATE TABLE clicks AS
SELECT i % 300 AS user_id, timestamptz '2026-01-01' + i * interval '1 minute' AS at,
       i % 7 = 0 AS bought
FROM generate_series(1, 5000) AS i;
ANALYZE clicks;
SET pg_persona.progress_interval = 0;
SELECT profile_define('click_profile', 'clicks', 'user_id', 'at', '{"n": "count(*)"}');
SELECT profile_rebuild('click_profile');
CREATE TABLE examples AS
SELECT i, (i % 10)::float8 AS x, i % 10 > 6 AS y FROM generate_series(1, 25000) AS i;
SELECT version FROM profile_train('m', 'examples', 'y', exclude => ARRAY['i']);
SQL

count() { grep -c -- "$1" "$out/progress.out" || true; }
define=$(count 'NOTICE:  profile_define: backfilling public.click_profile: [0-9]* of about 5000 source rows read')
define_done=$(count 'NOTICE:  profile_define: backfilled public.click_profile from 5000 source rows')
rebuild=$(count 'NOTICE:  profile_rebuild: backfilling public.click_profile: [0-9]* of about 5000 source rows read')
read=$(count 'NOTICE:  profile_train: read [0-9]* rows')
iterations=$(count 'NOTICE:  profile_train: iteration [0-9]*, loss')
if [ "$define" = 4 ] && [ "$define_done" = 1 ] && [ "$rebuild" = 4 ] && [ "$read" = 3 ] &&
    [ "$iterations" -gt 0 ]; then
    echo "progress notices ... ok (profile_define $define + done, profile_rebuild $rebuild, profile_train $read reads and $iterations iterations)"
else
    cat "$out/progress.out"
    echo "progress notices ... FAILED (define $define, done $define_done, rebuild $rebuild, reads $read, iterations $iterations)"
    exit 1
fi
"${psql[@]}" -d postgres -c "DROP DATABASE $db"
