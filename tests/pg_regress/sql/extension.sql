-- What CREATE EXTENSION pg_persona creates, and that DROP EXTENSION removes all of it.
\set SHOW_CONTEXT never

-- The SQL functions live in the extension's schema (here the default, public), with the
-- volatility and parallel safety they declare.
SELECT n.nspname AS schema, p.proname AS function,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       p.provolatile AS volatility, p.proparallel AS parallel, p.proisstrict AS strict
FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_persona'
JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE d.deptype = 'e'
ORDER BY function, arguments;

-- The extension's own tables live in the schema "persona", which it owns.
SELECT nspname FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_persona'
JOIN pg_namespace n ON n.oid = d.objid AND d.classid = 'pg_namespace'::regclass
WHERE d.deptype = 'e';

-- DROP EXTENSION leaves nothing behind, the persona schema included.
DROP EXTENSION pg_persona;
SELECT count(*) AS persona_schemas FROM pg_namespace WHERE nspname = 'persona';
SELECT count(*) AS profile_functions FROM pg_proc WHERE proname LIKE 'profile\_%';

-- CREATE EXTENSION ... SCHEMA puts the functions elsewhere; the tables stay in persona.
CREATE SCHEMA analytics;
CREATE EXTENSION pg_persona SCHEMA analytics;
SELECT DISTINCT pronamespace::regnamespace AS schema FROM pg_proc WHERE proname LIKE 'profile\_%';
SELECT count(*) AS persona_schemas FROM pg_namespace WHERE nspname = 'persona';
DROP EXTENSION pg_persona;
DROP SCHEMA analytics;

-- A schema named persona that the extension did not create is never taken over.
CREATE SCHEMA persona;
CREATE EXTENSION pg_persona;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'pg_persona';
DROP SCHEMA persona;

CREATE EXTENSION pg_persona;
