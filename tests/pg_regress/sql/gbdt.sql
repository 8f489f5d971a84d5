-- Gradient-boosted trees (algorithm 'gbdt', LightGBM) on the telecom churn table:
-- classification, regression and multiple classes; scoring rows and jsonb; options and
-- their search on the validation rows; early stopping; importance and export; errors.
\set SHOW_CONTEXT never
\i tests/data/telco.sql

-- Binary classification: the same seeded split as logistic models, honest metrics,
-- early stopping on the validation rows.
SELECT model, version, algorithm, task, train_rows, validation_rows, test_rows,
       (metrics->'test'->>'roc_auc')::float8 > 0.84 AS test_auc_above_0_84,
       (metrics->'fit'->>'trees_kept')::int < (metrics->'fit'->>'trees_trained')::int
           AS stopped_early,
       deployed
FROM profile_train('churn', 'telco', 'churn', 'gbdt');
SELECT positive_class, classes, algorithm,
       (hyperparameters->'chosen') - 'trees' AS chosen,
       (hyperparameters->'chosen'->>'trees')::int BETWEEN 1 AND 99 AS trees_kept,
       jsonb_array_length(hyperparameters->'tried') AS tried
FROM persona.models WHERE name = 'churn';
-- The same call trains the same model.
SELECT md5(profile_export('churn')) = md5(profile_export('churn@2')) AS same_model
FROM profile_train('churn', 'telco', 'churn', 'gbdt', options => '{"deploy": "never"}');

-- Scoring: probabilities in (0, 1); a whole row and its jsonb give the same score;
-- profile_predict agrees with the 0.5 threshold; NULLs and unseen categories score.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s > 0 AND s < 1) AS probabilities,
       count(*) FILTER (WHERE s = profile_score('churn', to_jsonb(t))) AS jsonb_agrees,
       count(*) FILTER (WHERE (s >= 0.5) = (profile_predict('churn', t) = 'Yes'))
           AS predict_agrees
FROM (SELECT t, profile_score('churn', t) AS s FROM telco t) AS x;
SELECT round(profile_score('churn', '{"tenure": null, "contract": "Lifetime", "female": 1,
    "senior_citizen": 0, "partner": 1, "dependents": 0, "phone_service": 1,
    "multiple_lines": "No", "internet_service": "Fiber optic", "online_security": "No",
    "online_backup": "No", "device_protection": "No", "tech_support": "No",
    "streaming_tv": "No", "streaming_movies": "No", "paperless_billing": 1,
    "payment_method": "Electronic check", "monthly_charges": 70, "total_charges": null}'::jsonb)::numeric, 3)
    BETWEEN 0.001 AND 0.999 AS scores_nulls_and_unseen_categories;
SELECT (m->>'rows')::int AS rows, (m->>'roc_auc')::float8 > 0.85 AS auc_above_0_85, m->>'model' AS model
FROM (SELECT profile_evaluate('churn', 'telco') AS m) AS e;

-- What the trees use most, and the model as LightGBM's own text.
SELECT feature FROM profile_importance('churn') LIMIT 3;
SELECT count(*) AS features, bool_and(importance >= 0) AS non_negative
FROM profile_importance('churn');
SELECT split_part(profile_export('churn'), E'\n', 1) AS first_line,
       strpos(profile_export('churn'), 'objective=binary') > 0 AS binary_objective,
       substring(profile_export('churn') FROM 'feature_names=(\S+ \S+ \S+)') AS first_inputs,
       substring(profile_export('churn') FROM 'contract_Month_to_month contract_Two_year \S+ \S+')
           AS contract_inputs;

-- Regression on a numeric target, and several classes.
SELECT task, (metrics->'test'->>'r2')::float8 > 0.99 AS r2_above_0_99
FROM profile_train('charges', 'telco', 'monthly_charges', 'gbdt', exclude => ARRAY['total_charges']);
SELECT round(profile_score('charges', t)::numeric, -1) AS predicted_about
FROM telco t WHERE monthly_charges = 29.85 LIMIT 1;
SELECT task, (metrics->'test'->>'accuracy')::float8 > 0.65 AS accuracy_above_0_65,
       metrics->'test'->'classes' AS classes
FROM profile_train('contract', 'telco', 'contract', 'gbdt');
SELECT profile_predict('contract', t) AS predicted, count(*) > 100 AS many
FROM telco t GROUP BY 1 ORDER BY 1;

-- Options: every combination is trained and the best on the validation rows kept;
-- without early stopping every tree is kept; threads and class weights are taken.
SELECT version, jsonb_array_length(hyperparameters->'tried') AS tried,
       hyperparameters->'chosen' ? 'trees' AS reports_the_trees_kept
FROM profile_train('grid', 'telco', 'churn', 'gbdt', options =>
    '{"learning_rate": [0.05, 0.2], "num_leaves": [7, 15], "threads": 2,
      "min_data_in_leaf": 10, "feature_fraction": 0.9, "bagging_fraction": 0.8,
      "lambda_l2": 1, "max_depth": 6}');
SELECT jsonb_array_length(hyperparameters->'tried') AS tried,
       hyperparameters->'chosen'->>'learning_rate' IN ('0.05', '0.2') AS chosen_from_grid,
       hyperparameters->'chosen'->>'num_leaves' IN ('7', '15') AS leaves_from_grid,
       (SELECT max((t->>'validation_score')::float8) FROM jsonb_array_elements(hyperparameters->'tried') t)
           = (SELECT (t->>'validation_score')::float8 FROM jsonb_array_elements(hyperparameters->'tried') t
              WHERE t->'params' = (hyperparameters->'chosen') - 'trees' - 'threads' - 'early_stopping_rounds')
           AS chosen_is_the_best,
       hyperparameters->'chosen'->'threads' AS threads
FROM persona.models WHERE name = 'grid';
SELECT (metrics->'fit'->>'trees_kept')::int AS trees, metrics->'fit'->>'stopped_early' AS stopped_early
FROM profile_train('all_trees', 'telco', 'churn', 'gbdt',
                   options => '{"num_trees": 25, "early_stopping_rounds": 0}');
SELECT (metrics->'test'->>'recall')::float8 > 0.6 AS balanced_recall_above_0_6
FROM profile_train('balanced', 'telco', 'churn', 'gbdt', options => '{"class_weight": "balanced"}');
SET pg_persona.threads = 2;
SELECT version FROM profile_train('churn', 'telco', 'churn', 'gbdt', options => '{"deploy": "never"}');
RESET pg_persona.threads;
SELECT version, hyperparameters->'chosen'->'threads' AS threads
FROM persona.models WHERE name = 'churn' ORDER BY version;

-- A split given by a column instead of drawn at random.
ALTER TABLE telco ADD COLUMN part text;
UPDATE telco SET part = CASE WHEN tenure % 10 < 7 THEN 'train'
                             WHEN tenure % 10 < 9 THEN 'validation' ELSE 'test' END;
SELECT train_rows, validation_rows, test_rows,
       (SELECT count(*) FROM telco WHERE part = 'test') AS test_rows_marked
FROM profile_train('by_column', 'telco', 'churn', 'gbdt', options => '{"split_column": "part"}');
SELECT features @> '[{"name": "part"}]' AS part_is_a_feature
FROM persona.models WHERE name = 'by_column';

-- A logistic model exports as a JSON document of its preprocessing and coefficients,
-- and its importance is the size of its standardized coefficients.
SELECT d->>'format' AS format, d->>'algorithm' AS algorithm,
       jsonb_array_length(d->'inputs') = jsonb_array_length(d->'estimator'->'coefficients'->0)
           AS a_coefficient_per_input
FROM (SELECT profile_export(model)::jsonb AS d
      FROM profile_train('churn_logistic', 'telco', 'churn', exclude => ARRAY['part'])) AS e;
SELECT feature FROM profile_importance('churn_logistic') LIMIT 3;

-- Errors, and nothing left in the catalog by them.
SELECT count(*) AS versions_before FROM persona.models;
-- statement_timeout (and cancel) stop boosting between two trees.
SET statement_timeout = '300ms';
SELECT profile_train('slow', 'telco', 'churn', 'gbdt', options =>
    '{"num_trees": 100000, "early_stopping_rounds": 0, "learning_rate": 0.0001}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"l2": 0.1}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'logistic', options => '{"num_leaves": 7}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"num_leaves": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"learning_rate": [0.1, 0]}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"feature_fraction": 1.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"max_depth": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"num_trees": []}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"threads": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options =>
    '{"num_leaves": [3, 7, 15, 31], "learning_rate": [0.01, 0.05, 0.1, 0.2], "lambda_l2": [0, 1, 10, 100, 1000]}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options =>
    '{"num_leaves": [7, 15], "split": [1, 0, 0]}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"split_column": "nope"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"split_column": "tenure"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"split_column": "contract"}');
\echo :LAST_ERROR_SQLSTATE
UPDATE telco SET part = 'test' WHERE part = 'train';
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', options => '{"split_column": "part"}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_train('bad', 'telco', 'churn', 'gbdt', features => ARRAY['part', 'tenure'],
                     options => '{"split_column": "part"}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS versions_after FROM persona.models;
SELECT profile_export('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM profile_importance('churn@99');
\echo :LAST_ERROR_SQLSTATE

-- Leave the database as the other tests expect it.
SELECT count(*) AS dropped
FROM (SELECT DISTINCT name FROM persona.models) AS m, LATERAL profile_drop(m.name) AS d;
DROP TABLE telco;
