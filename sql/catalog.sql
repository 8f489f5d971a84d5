-- The model catalog. Every trained version is a row of persona.models; every deploy
-- (and rollback) a row of persona.deployments, the latest per model name being the
-- deployed version. Rows are written only by the extension's functions, which switch to
-- the extension owner for the write; nobody else has write privileges.

CREATE TABLE persona.models (
    id              bigserial   PRIMARY KEY,
    name            text        NOT NULL CHECK (name <> '' AND strpos(name, '@') = 0),
    version         int         NOT NULL CHECK (version > 0),
    algorithm       text        NOT NULL,
    task            text        NOT NULL CHECK (task IN ('binary', 'multiclass', 'regression')),
    relation        text        NOT NULL,  -- schema-qualified, as trained on
    target          text        NOT NULL,
    features        jsonb       NOT NULL,  -- each feature and its learned preprocessing
    spec            jsonb       NOT NULL,  -- the features/exclude arguments, for retraining
    options         jsonb       NOT NULL,
    positive_class  text,
    classes         jsonb       NOT NULL,
    hyperparameters jsonb       NOT NULL,
    metrics         jsonb       NOT NULL,
    train_rows      bigint      NOT NULL,
    validation_rows bigint      NOT NULL,
    test_rows       bigint      NOT NULL,
    trained_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    trained_by      name        NOT NULL,
    model           jsonb       NOT NULL,  -- the serialized model scoring loads
    UNIQUE (name, version)
);

CREATE TABLE persona.deployments (
    id          bigserial   PRIMARY KEY,
    name        text        NOT NULL,
    model_id    bigint      NOT NULL REFERENCES persona.models (id) ON DELETE CASCADE,
    deployed_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    deployed_by name        NOT NULL,
    reason      text        NOT NULL
);
CREATE INDEX deployments_name_id ON persona.deployments (name, id DESC);

-- pg_dump keeps the rows (and the sequences' positions) of both tables, so models and
-- their deploy history survive a dump and restore of the database.
SELECT pg_catalog.pg_extension_config_dump('persona.models', '');
SELECT pg_catalog.pg_extension_config_dump('persona.models_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('persona.deployments', '');
SELECT pg_catalog.pg_extension_config_dump('persona.deployments_id_seq', '');

-- Anyone may read the catalog: scoring resolves the deployed version from it as the
-- caller, and metrics and history are what dashboards show. Nothing in it is secret
-- beyond what the model's own scores reveal.
GRANT USAGE ON SCHEMA persona TO PUBLIC;
GRANT SELECT ON persona.models, persona.deployments TO PUBLIC;
