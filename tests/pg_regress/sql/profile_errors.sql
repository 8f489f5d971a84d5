-- Every error of the profile functions: its SQLSTATE, message and hint, and that a
-- failed profile_define leaves nothing behind.
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE TABLE logins (user_id int, at timestamptz, device text, ms int, note text);
INSERT INTO logins VALUES (1, '2026-01-01', 'phone', 120, 'ok');
CREATE VIEW logins_view AS SELECT * FROM logins;

-- What profile_define would have created, if anything: every failure below must leave
-- this at zero.
CREATE FUNCTION left_behind() RETURNS bigint LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM persona.profiles)
         + (SELECT count(*) FROM pg_class WHERE relname IN ('p', 'p_pkey', 'p_now') AND relnamespace = 'public'::regnamespace)
         + (SELECT count(*) FROM pg_proc WHERE proname IN ('p_as_of', 'p_maintain') AND pronamespace = 'public'::regnamespace)
         + (SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('logins'))
         + (SELECT count(*) FROM pg_index WHERE indrelid = to_regclass('logins'))
$$;

-- The source: missing, or not a table.
SELECT profile_define('p', 'no_such_table', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins_view', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
-- The key and time columns.
SELECT profile_define('p', 'logins', 'User_Id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'time', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'ms', '{}');
\echo :LAST_ERROR_SQLSTATE
-- The features object.
SELECT profile_define('p', 'logins', 'user_id', 'at', '["count(*)"]');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"n": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"n": {"aggregate": "count(*)", "window": "7 days", "every": "day"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"": "count(*)"}');
\echo :LAST_ERROR_SQLSTATE
-- Aggregates that are not in the list, or that cannot be kept row by row.
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"m": "median(ms)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"d": "count(DISTINCT device)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"r": "sum(ms) OVER (ORDER BY at)"}');
\echo :LAST_ERROR_SQLSTATE
-- Aggregates and expressions that do not parse.
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "sum(ms"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "sum(ms) + 1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "sum(ms); DROP TABLE logins"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "sum(ms +)"}');
\echo :LAST_ERROR_SQLSTATE
-- Expressions over missing columns, of the wrong type, or with aggregates inside.
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "sum(duration)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "count(*) FILTER (WHERE devise = ''phone'')"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "count(*) FILTER (WHERE ms)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "sum(note)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "avg(at - at)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"s": "sum(max(ms))"}');
\echo :LAST_ERROR_SQLSTATE
-- Windows.
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"w": {"aggregate": "count(*)", "window": "a fortnight"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"w": {"aggregate": "count(*)", "window": "-7 days"}}');
\echo :LAST_ERROR_SQLSTATE
-- Feature names that clash with the key, a built-in column or an average's state.
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"user_id": "count(*)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"recency_days": "max(ms)"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"ms": "avg(ms)", "ms__sum": "sum(ms)"}');
\echo :LAST_ERROR_SQLSTATE
-- Profile names: malformed, too long, or already taken by a profile or another object.
SELECT profile_define('a.b.c', 'logins', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define(repeat('p', 55), 'logins', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_define('no_such_schema.p', 'logins', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE p_now (x int);
SELECT profile_define('p', 'logins', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE p_now;
CREATE FUNCTION p_as_of(timestamptz) RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT profile_define('p', 'logins', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
DROP FUNCTION p_as_of(timestamptz);
-- Defining and rebuilding need a fresh snapshot after the source is locked.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT profile_define('p', 'logins', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- Nothing was left behind by any of the failures.
SELECT left_behind();

-- A profile name that is taken.
SELECT profile_define('p', 'logins', 'user_id', 'at', '{"n": "count(*)"}');
SELECT profile_define('public.p', 'logins', 'user_id', 'at', '{}');
\echo :LAST_ERROR_SQLSTATE
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT profile_rebuild('p');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- Unknown profiles.
SELECT profile_verify('q');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_rebuild('public.q');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_undefine('"P"');
\echo :LAST_ERROR_SQLSTATE

-- The source cannot be dropped while a profile reads it; once dropped with CASCADE,
-- the profile cannot be verified, and undefining it removes what is left.
DROP TABLE logins;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE logins CASCADE;
SELECT profile_verify('p');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_undefine('p');
SELECT left_behind();
