#!/usr/bin/env bash
# Runs tests/python/gbdt_lightgbm.py: pg_persona's gbdt on the telecom churn table,
# trained on a fixed split, against LightGBM's own Python package.
#
# Usage: tests/python/gbdt_lightgbm.sh PORT OUTDIR PYTHON  (run from the repository root)
set -euo pipefail
port=$1
out=$2
python=$3
db=gbdt_lightgbm
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
mkdir -p "$out"

"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
"${psql[@]}" -d "$db" >"$out/gbdt_lightgbm.out" 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pg_persona;
\i tests/data/telco.sql
-- An id to line rows up, and a fixed 70/20/10 split both sides use.
ALTER TABLE telco ADD COLUMN id serial, ADD COLUMN part text;
SELECT setseed(0.25);
UPDATE telco SET part = CASE WHEN r < 0.7 THEN 'train' WHEN r < 0.9 THEN 'validation' ELSE 'test' END
FROM (SELECT id, random() AS r FROM telco ORDER BY id) AS d WHERE d.id = telco.id;
SELECT version FROM profile_train('churn_gbdt', 'telco', 'churn', 'gbdt',
                                  exclude => ARRAY['id'],
                                  options => '{"split_column": "part"}');
SQL
"$python" tests/python/gbdt_lightgbm.py --port "$port" --dbname "$db"
"${psql[@]}" -d postgres -c "DROP DATABASE $db"
