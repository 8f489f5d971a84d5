-- Runs first in the extension script, before any generated function.
--
-- The SQL functions go into the schema chosen by CREATE EXTENSION ... SCHEMA (default:
-- the first schema on the search_path, usually public). The extension's own tables live
-- in the schema "persona", which the extension creates and therefore owns: DROP EXTENSION
-- removes it with everything in it.
DO $guard$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'persona') THEN
        RAISE EXCEPTION 'schema "persona" already exists'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL  = 'pg_persona keeps its tables in a schema named "persona" that it creates and drops itself.',
                  HINT    = 'Rename or drop the existing schema "persona". The functions themselves can go into any other schema: CREATE EXTENSION pg_persona SCHEMA ...';
    END IF;
END
$guard$;

CREATE SCHEMA persona;
COMMENT ON SCHEMA persona IS 'pg_persona''s own tables: the model catalog and the profile definitions';
