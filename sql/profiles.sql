-- The profile definitions: one row per profile_define, keyed by the profile table's
-- schema-qualified name. The objects a profile consists of (its table, view, functions
-- and triggers) are ordinary objects owned by the role that defined it, so pg_dump
-- dumps them with the rest of the database; this table tells profile_rebuild,
-- profile_verify and profile_undefine what they are.
CREATE TABLE persona.profiles (
    name         text        PRIMARY KEY,  -- format('%I.%I', schema, table)
    source       regclass    NOT NULL,
    key          text        NOT NULL,
    time         text        NOT NULL,
    features     jsonb       NOT NULL,
    search_path  text        NOT NULL,     -- pinned on the generated functions
    source_index text,                     -- the index profile_define created, if any
                                           -- (a name: pg_dump restores rows before indexes)
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by   name        NOT NULL
);

SELECT pg_catalog.pg_extension_config_dump('persona.profiles', '');

-- Readable by anyone, like the model catalog: it holds names and expressions, which
-- the generated objects show to anyone who may see them anyway.
GRANT SELECT ON persona.profiles TO PUBLIC;
