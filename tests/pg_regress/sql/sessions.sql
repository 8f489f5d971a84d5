-- A deploy is seen by other sessions from their next statement after it commits, and
-- a deploy that rolls back is never seen. A second session is opened with dblink.
\set SHOW_CONTEXT never
CREATE EXTENSION dblink;
SELECT dblink_connect('other',
    format('host=%s port=%s dbname=%s user=%s',
           split_part(current_setting('unix_socket_directories'), ',', 1),
           current_setting('port'), current_database(), current_user));

CREATE TABLE events (id int, clicks int, bought boolean);
INSERT INTO events SELECT i, i % 20, (i * 13) % 20 < i % 20 FROM generate_series(1, 300) i;
-- Version 1 on clicks; version 2, not deployed, with the opposite label.
SELECT version, deployed FROM profile_train('m', 'events', 'bought', features => ARRAY['clicks']);
UPDATE events SET bought = NOT bought;
SELECT version, deployed FROM profile_train('m', 'events', 'bought', features => ARRAY['clicks'],
                                            options => '{"deploy": "never"}');

-- What the other session scores for clicks = 15, as the version that produced it.
CREATE FUNCTION other_session_uses() RETURNS int LANGUAGE sql AS $$
    SELECT CASE round(s::numeric, 6)
             WHEN round(profile_score('m@1', '{"clicks": 15}'::jsonb)::numeric, 6) THEN 1
             WHEN round(profile_score('m@2', '{"clicks": 15}'::jsonb)::numeric, 6) THEN 2
           END
    FROM dblink('other', $q$SELECT profile_score('m', '{"clicks": 15}'::jsonb)$q$) AS t(s float8)
$$;
SELECT other_session_uses() AS before_deploy;

BEGIN;
SELECT profile_deploy('m', 2);
-- This session sees its own deploy at once; the other one does not, until commit.
SELECT round(profile_score('m', '{"clicks": 15}'::jsonb)::numeric, 6)
     = round(profile_score('m@2', '{"clicks": 15}'::jsonb)::numeric, 6) AS this_session_uses_2;
SELECT other_session_uses() AS during_deploy;
COMMIT;
SELECT other_session_uses() AS after_commit;

-- A rolled-back deploy changes nothing anywhere.
BEGIN;
SELECT profile_deploy('m', 1);
ROLLBACK;
SELECT other_session_uses() AS after_rollback;
SELECT round(profile_score('m', '{"clicks": 15}'::jsonb)::numeric, 6)
     = round(profile_score('m@2', '{"clicks": 15}'::jsonb)::numeric, 6) AS this_session_uses_2;

SELECT dblink_disconnect('other');
SELECT profile_drop('m');
