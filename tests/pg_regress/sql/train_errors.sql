-- Every documented error of training and scoring: its message, hint and SQLSTATE, and
-- that a failed training leaves nothing in the catalog.
\set SHOW_CONTEXT never

CREATE TABLE "Odd ""Names""" (
    "User Id"    int,
    "Plan; DROP" text,
    "Spend"      numeric,
    "Label"      boolean,
    seen_at      timestamptz,
    tags         text[]
);
INSERT INTO "Odd ""Names"""
SELECT i, (ARRAY['a', 'b', 'c'])[1 + i % 3], i % 17, (i * 31) % 7 < 3,
       '2026-01-01'::timestamptz, ARRAY['x']
FROM generate_series(1, 200) AS i;

-- Quotes, spaces, capitals and semicolons in names work.
SELECT model, version, task, deployed
FROM profile_train('odd', '"Odd ""Names"""', 'Label', features => ARRAY['Plan; DROP', 'Spend']);
SELECT round(profile_score('odd', o)::numeric, 4) AS score
FROM "Odd ""Names""" o WHERE "User Id" = 1;

-- Unsupported column types are refused, naming the column.
SELECT profile_train('odd', '"Odd ""Names"""', 'Label');
\echo :LAST_ERROR_SQLSTATE
-- Unknown target, feature or excluded column.
SELECT profile_train('odd', '"Odd ""Names"""', 'label');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('odd', '"Odd ""Names"""', 'Label', features => ARRAY['spend']);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('odd', '"Odd ""Names"""', 'Label', exclude => ARRAY['nope']);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('odd', '"Odd ""Names"""', 'Label', features => ARRAY['Label']);
\echo :LAST_ERROR_SQLSTATE
-- A missing relation, or one that is not a table, view or materialized view.
SELECT profile_train('odd', 'no_such_table', 'Label');
\echo :LAST_ERROR_SQLSTATE
CREATE SEQUENCE a_sequence;
SELECT profile_train('odd', 'a_sequence', 'Label');
\echo :LAST_ERROR_SQLSTATE
-- Bad algorithm, options, names.
SELECT profile_train('odd', '"Odd ""Names"""', 'Label', algorithm => 'forest');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('odd', '"Odd ""Names"""', 'Label', options => '{"l2_penalty": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('odd', '"Odd ""Names"""', 'Label', options => '{"split": [0.5, 0.6, 0]}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('odd', '"Odd ""Names"""', 'Label', options => '{"positive": "maybe"}',
                     features => ARRAY['Spend']);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('odd@2', '"Odd ""Names"""', 'Label');
\echo :LAST_ERROR_SQLSTATE
-- linear needs a numeric target.
SELECT profile_train('odd', '"Odd ""Names"""', 'Plan; DROP', algorithm => 'linear');
\echo :LAST_ERROR_SQLSTATE

-- A target with one class, no labelled rows, a NaN feature.
CREATE TABLE one_class (x int, y text);
INSERT INTO one_class SELECT i, 'yes' FROM generate_series(1, 20) i;
SELECT profile_train('bad', 'one_class', 'y');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE unlabelled (x int, y boolean);
INSERT INTO unlabelled SELECT i, NULL FROM generate_series(1, 20) i;
SELECT profile_train('bad', 'unlabelled', 'y');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE not_a_number (x float8, y boolean);
INSERT INTO not_a_number SELECT CASE WHEN i = 5 THEN 'NaN'::float8 ELSE i END, i % 2 = 0
FROM generate_series(1, 50) i;
SELECT profile_train('bad', 'not_a_number', 'y');
\echo :LAST_ERROR_SQLSTATE
-- Training honours statement_timeout (and cancel) and stores nothing.
CREATE TABLE big AS
SELECT i, (i % 97)::float8 AS x, (i * 7) % 13 < 6 AS y FROM generate_series(1, 300000) AS i;
SET statement_timeout = '300ms';
SELECT profile_train('slow', 'big', 'y');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;

-- None of the failures left a version behind.
SELECT count(*) AS versions FROM persona.models WHERE name IN ('bad', 'odd@2', 'slow');
SELECT count(*) AS versions_of_odd FROM persona.models WHERE name = 'odd';

-- Scoring: unknown model or version, no deployed version, bad reference.
SELECT profile_score('nope', '{}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_score('odd@9', '{}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_score('odd@x', '{}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM profile_train('undeployed', '"Odd ""Names"""', 'Label',
                                  features => ARRAY['Spend'], options => '{"deploy": "never"}');
SELECT profile_score('undeployed', '{"Spend": 1}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT round(profile_score('undeployed@1', '{"Spend": 1}'::jsonb)::numeric, 4) AS by_version;
-- A missing feature, a value of the wrong type, NaN, something that is not a row.
SELECT profile_score('odd', '{"Spend": 3}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_score('odd', '{"Plan; DROP": 1, "Spend": 3}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_score('odd', r) FROM (SELECT 'a'::text AS "Plan; DROP", 'NaN'::numeric AS "Spend") r;
\echo :LAST_ERROR_SQLSTATE
SELECT profile_score('odd', '{"Plan; DROP": "a", "Spend": [3]}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_score('odd', 42);
\echo :LAST_ERROR_SQLSTATE
-- A row with the features under other names does not score.
SELECT profile_score('odd', ROW('a', 3));
\echo :LAST_ERROR_SQLSTATE

-- Deploy, roll back and drop of what does not exist.
SELECT profile_deploy('odd', 7);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_deploy('nope', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_rollback('odd');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_rollback('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_drop('nope');
\echo :LAST_ERROR_SQLSTATE
-- Evaluating on a relation that lacks a feature.
SELECT profile_evaluate('odd', 'one_class');
\echo :LAST_ERROR_SQLSTATE

SELECT count(*) AS dropped
FROM (SELECT DISTINCT name FROM persona.models) AS m, LATERAL profile_drop(m.name) AS d;
