-- Who may do what: scoring is for everyone, training and deploying for the roles a DBA
-- grants them to, and nobody writes the catalog except through the functions.
\set SHOW_CONTEXT never
CREATE TABLE accounts (id int, visits int, upgraded boolean);
INSERT INTO accounts SELECT i, i % 30, (i * 17) % 30 < i % 30 FROM generate_series(1, 200) i;
CREATE TABLE secret (id int, visits int, upgraded boolean);
INSERT INTO secret SELECT * FROM accounts;
CREATE ROLE persona_analyst;
CREATE ROLE persona_viewer;
GRANT SELECT ON accounts TO persona_analyst;

-- Without a grant, training is refused.
SET ROLE persona_analyst;
SELECT profile_train('up', 'accounts', 'upgraded', exclude => ARRAY['id']);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- With EXECUTE granted, the analyst trains on what they may read, and the catalog
-- records them, though they hold no privilege on persona.models.
GRANT EXECUTE ON FUNCTION profile_train(text, regclass, text, text, text[], text[], jsonb)
    TO persona_analyst;
SET ROLE persona_analyst;
SELECT model, version, deployed FROM profile_train('up', 'accounts', 'upgraded', exclude => ARRAY['id']);
SELECT name, version, trained_by FROM persona.models WHERE name = 'up';
-- Reading a table they may not read is refused by Postgres itself.
SELECT profile_train('up', 'secret', 'upgraded');
\echo :LAST_ERROR_SQLSTATE
-- The catalog cannot be written directly.
DELETE FROM persona.models;
\echo :LAST_ERROR_SQLSTATE
SELECT profile_deploy('up', 1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- Anyone may score and read the catalog.
SET ROLE persona_viewer;
SELECT round(profile_score('up', '{"visits": 12}'::jsonb)::numeric, 4) AS score;
SELECT count(*) AS versions FROM persona.models WHERE name = 'up';
RESET ROLE;

DROP TABLE accounts, secret;
SELECT profile_drop('up');
REVOKE ALL ON FUNCTION profile_train(text, regclass, text, text, text[], text[], jsonb)
    FROM persona_analyst;
DROP ROLE persona_analyst;
DROP ROLE persona_viewer;
