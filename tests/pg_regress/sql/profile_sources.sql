-- Profiles over sources that are not plain: a partitioned table written through the
-- parent and through its partitions; quotes, spaces and capitals in every name; a
-- writer with no rights on the profile table.
SET timezone = 'UTC';

CREATE TABLE events (user_id int, at timestamptz, kind text, value numeric)
    PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO events SELECT i % 5, timestamptz '2025-06-01' + i * interval '1 day',
                          (ARRAY['view', 'buy'])[1 + i % 2], i
FROM generate_series(1, 300) AS i;
SELECT profile_define('event_profile', 'events', 'user_id', 'at', '{
    "buys": "count(*) FILTER (WHERE kind = ''buy'')",
    "total": "sum(value)", "top": "max(value)"
}');
-- Triggers on the parent and on every partition.
SELECT tgrelid::regclass AS on_table, count(*) AS triggers
FROM pg_trigger WHERE tgname LIKE 'event_profile_%' GROUP BY 1 ORDER BY 1;
INSERT INTO events VALUES (1, '2025-07-01', 'buy', 1000);
INSERT INTO events_2026 VALUES (2, '2026-02-01', 'buy', 2000), (7, '2026-02-02', 'view', 1);
UPDATE events SET at = at + interval '200 days' WHERE user_id = 3;  -- rows change partition
DELETE FROM events_2025 WHERE user_id = 4 AND value > 100;
SELECT user_id, events, buys, total, top FROM event_profile ORDER BY user_id;
SELECT profile_verify('event_profile');
-- A partition created later: rows written through the parent are seen at once; rows
-- written into it directly only once profile_rebuild has given it the triggers.
CREATE TABLE events_2027 PARTITION OF events
    FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
INSERT INTO events VALUES (8, '2027-03-01', 'buy', 5);
SELECT profile_verify('event_profile');
INSERT INTO events_2027 VALUES (8, '2027-03-02', 'buy', 6);
SELECT profile_verify('event_profile');
SELECT profile_rebuild('event_profile');
INSERT INTO events_2027 VALUES (8, '2027-03-03', 'buy', 7);
SELECT user_id, events, total FROM event_profile WHERE user_id = 8;
SELECT profile_verify('event_profile');
-- TRUNCATE of one partition recomputes the profile from what is left.
TRUNCATE events_2025;
SELECT user_id, events, first_seen >= '2026-01-01' AS only_2026 FROM event_profile
ORDER BY user_id;
SELECT profile_verify('event_profile');
SELECT profile_undefine('event_profile');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'event_profile_%';
DROP TABLE events;

-- Hostile names.
CREATE SCHEMA "Shop ""Data""";
CREATE TABLE "Shop ""Data"""."Order Lines" ("User Id" text, "When" timestamp, "Price €" numeric,
                                            "select" text);
INSERT INTO "Shop ""Data"""."Order Lines" VALUES
    ('Ann', '2026-01-01', 5, 'a'), ('Ann', '2026-01-02', 7, 'b'), ('O''Brien', '2026-01-03', 1, 'a');
SELECT profile_define('"Shop ""Data"""."Ann''s ""Profile"""', '"Shop ""Data"""."Order Lines"',
                      'User Id', 'When', '{
    "Spend €": "sum(\"Price €\")",
    "a lines": "count(*) FILTER (WHERE \"select\" = ''a'')",
    "Last 7 Days": {"aggregate": "count(*)", "window": "7 days"}
}');
SELECT name, key, time FROM persona.profiles;
UPDATE "Shop ""Data"""."Order Lines" SET "Price €" = 10 WHERE "User Id" = 'O''Brien';
SELECT "User Id", events, "Spend €", "a lines", "Last 7 Days"
FROM "Shop ""Data"""."Ann's ""Profile""_now" ORDER BY 1;
SELECT "User Id", "Spend €" FROM "Shop ""Data"""."Ann's ""Profile""_as_of"('2026-01-02')
ORDER BY 1;
SELECT profile_verify('"Shop ""Data"""."Ann''s ""Profile"""');
SET search_path = "Shop ""Data""", public;
SELECT profile_rebuild('"Ann''s ""Profile"""');
SELECT profile_undefine('"Ann''s ""Profile"""');
RESET search_path;
SELECT count(*) AS objects_left FROM pg_class
WHERE relnamespace = '"Shop ""Data"""'::regnamespace AND relname LIKE 'Ann%';
DROP SCHEMA "Shop ""Data""" CASCADE;

-- A role that may only insert into the source still keeps the profile up to date: the
-- trigger function runs as the profile's owner.
CREATE TABLE clicks (user_id int, at timestamptz);
SELECT profile_define('click_profile', 'clicks', 'user_id', 'at', '{}');
CREATE ROLE clicker;
GRANT INSERT, DELETE, SELECT ON clicks TO clicker;
SET ROLE clicker;
INSERT INTO clicks VALUES (1, '2026-01-01'), (1, '2026-01-02');
DELETE FROM clicks WHERE at = '2026-01-01';
SELECT * FROM click_profile;
RESET ROLE;
SELECT user_id, events, first_seen, last_seen FROM click_profile;
SELECT profile_verify('click_profile');
SELECT profile_undefine('click_profile');
DROP TABLE clicks;
DROP ROLE clicker;
