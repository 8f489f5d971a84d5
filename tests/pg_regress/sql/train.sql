-- Train, score, evaluate, retrain, deploy, roll back and drop a model, end to end.
\set SHOW_CONTEXT never

-- 600 customers, generated without randomness so the output never changes: churn is
-- likelier with short tenure and on the basic plan.
CREATE TABLE customers (
    id          int PRIMARY KEY,
    tenure      int,
    plan        text,
    monthly     numeric,
    autopay     boolean,
    churned     boolean
);
INSERT INTO customers
SELECT i,
       CASE WHEN i % 97 = 0 THEN NULL ELSE i % 60 END,
       (ARRAY['basic', 'plus', 'pro'])[1 + i % 3],
       20 + (i * 37) % 80,
       i % 4 = 0,
       (i * 7919) % 100 < 70 - (i % 60) + CASE WHEN i % 3 = 0 THEN 15 ELSE -10 END
FROM generate_series(1, 600) AS i;

-- One call trains version 1; the id column is no feature.
SELECT model, version, algorithm, task, train_rows, validation_rows, test_rows,
       round((metrics->'test'->>'roc_auc')::numeric, 3) AS test_auc,
       deployed
FROM profile_train('churn', 'customers', 'churned', exclude => ARRAY['id']);

-- The catalog keeps the version, its preprocessing and its metrics.
SELECT name, version, algorithm, task, relation, target, positive_class, classes,
       train_rows, validation_rows, test_rows, trained_by
FROM persona.models WHERE name = 'churn';
SELECT jsonb_pretty(features) FROM persona.models WHERE name = 'churn';
SELECT jsonb_object_keys(metrics) AS part FROM persona.models WHERE name = 'churn' ORDER BY 1;
SELECT jsonb_pretty(metrics->'fit' - 'ms') AS fit FROM persona.models WHERE name = 'churn';
SELECT jsonb_object_keys(metrics->'test') AS metric
FROM persona.models WHERE name = 'churn' ORDER BY 1;

-- Scoring a whole row, a jsonb object, and predicting the label.
SELECT id, round(profile_score('churn', c)::numeric, 4) AS score,
       profile_predict('churn', c) AS predicted, churned
FROM customers c ORDER BY id LIMIT 5;
SELECT round(profile_score('churn',
           '{"tenure": 2, "plan": "basic", "monthly": 50, "autopay": false}'::jsonb)::numeric, 4)
       AS new_customer,
       round(profile_score('churn',
           '{"tenure": 55, "plan": "pro", "monthly": 50, "autopay": true}'::jsonb)::numeric, 4)
       AS loyal_customer;
-- A NULL feature is imputed; an unseen category goes to the "other" slot.
SELECT round(profile_score('churn',
           '{"tenure": null, "plan": "enterprise", "monthly": 50, "autopay": null}'::jsonb)::numeric, 4)
       AS unusual_customer;
-- Row and jsonb paths score identically.
SELECT count(*) AS rows_that_differ
FROM customers c
WHERE profile_score('churn', c) <> profile_score('churn', to_jsonb(c));

-- Evaluating the deployed version on any labelled relation: one flat object.
SELECT e->>'model' AS model, e->>'rows' AS rows,
       round((e->>'roc_auc')::numeric, 3) AS roc_auc, e->'confusion' AS confusion
FROM profile_evaluate('churn', 'customers') AS e;
-- It agrees with the metrics recomputed from the scores.
SELECT round((profile_classification_metrics(array_agg(churned ORDER BY id),
                                             array_agg(profile_score('churn', c) ORDER BY id))
              ->>'roc_auc')::numeric, 6)
     = round((profile_evaluate('churn', 'customers')->>'roc_auc')::numeric, 6) AS agrees
FROM customers c;

-- Retraining on the current rows adds version 2. The "auto" policy deploys it only if
-- its test ROC AUC is at least the deployed version's, measured on the same test rows;
-- the notice says which way it went and why.
UPDATE customers SET tenure = tenure + 1 WHERE id % 10 = 0;
SELECT model, version, deployed FROM profile_retrain('churn');
SELECT version, reason FROM persona.deployments d JOIN persona.models m ON m.id = d.model_id
WHERE d.name = 'churn' ORDER BY d.id;

-- A fixed version can be named as name@version.
SELECT round(profile_score('churn@1', c)::numeric, 4) AS v1,
       round(profile_score('churn@2', c)::numeric, 4) AS v2
FROM customers c WHERE id = 10;

-- A table altered between queries is read afresh: features are found by name again.
CREATE TABLE altered AS SELECT id, tenure, plan, monthly, autopay FROM customers WHERE id <= 3;
SELECT id, round(profile_score('churn@1', a)::numeric, 4) AS score FROM altered a ORDER BY id;
ALTER TABLE altered DROP COLUMN tenure;
ALTER TABLE altered ADD COLUMN tenure int;
UPDATE altered a SET tenure = c.tenure FROM customers c WHERE c.id = a.id;
SELECT id, round(profile_score('churn@1', a)::numeric, 4) AS score FROM altered a ORDER BY id;

-- "never" stores a version without deploying it; profile_deploy deploys any version.
SELECT version, deployed
FROM profile_train('churn', 'customers', 'churned', exclude => ARRAY['id'],
                   options => '{"deploy": "never", "l2": [0.001, 0.1, 10], "seed": 7}');
SELECT hyperparameters->'l2' AS chosen_l2, jsonb_array_length(hyperparameters->'tried') AS tried
FROM persona.models WHERE name = 'churn' AND version = 3;
SELECT profile_deploy('churn', 3);
SELECT (profile_evaluate('churn', 'customers')->>'model') AS deployed;

-- Rolling back redeploys the version deployed before, and says which.
SELECT profile_rollback('churn');
SELECT (profile_evaluate('churn', 'customers')->>'model') AS deployed;

-- Multiclass, on a view: three spending segments.
CREATE VIEW segments AS
SELECT id, tenure, monthly,
       CASE WHEN monthly < 45 THEN 'low' WHEN monthly < 75 THEN 'mid' ELSE 'high' END AS segment
FROM customers;
SELECT model, version, task, deployed,
       round((metrics->'test'->>'accuracy')::numeric, 3) AS test_accuracy
FROM profile_train('segment', 'segments', 'segment', features => ARRAY['monthly', 'tenure']);
SELECT classes FROM persona.models WHERE name = 'segment';
SELECT segment, profile_predict('segment', s) AS predicted, count(*)
FROM segments s GROUP BY 1, 2 ORDER BY 1, 2;
-- For multiclass, profile_score is the probability of the predicted label.
SELECT round(profile_score('segment', s)::numeric, 3) AS probability
FROM segments s WHERE id = 1;

-- Regression: a yearly value linear in the features is recovered almost exactly (the
-- rows with a NULL tenure get the mean tenure).
CREATE VIEW yearly AS
SELECT id, tenure, plan, monthly,
       12 * monthly + 5 * coalesce(tenure, 0) + CASE plan WHEN 'pro' THEN 100 ELSE 0 END
           AS yearly_value
FROM customers;
SELECT model, task, round((metrics->'test'->>'r2')::numeric, 6) AS test_r2
FROM profile_train('value', 'yearly', 'yearly_value', algorithm => 'linear',
                   exclude => ARRAY['id'], options => '{"l2": 0}');
SELECT round(profile_score('value', y)::numeric, 3) AS predicted, yearly_value
FROM yearly y WHERE tenure IS NOT NULL ORDER BY id LIMIT 3;

-- Training on everything: the metrics say they come from the training rows.
SELECT train_rows, validation_rows, test_rows, metrics->>'note' AS note
FROM profile_train('all_rows', 'customers', 'churned', exclude => ARRAY['id'],
                   options => '{"split": [1, 0, 0]}');

-- Rows with a NULL target are skipped, with a notice.
UPDATE customers SET churned = NULL WHERE id <= 3;
SELECT train_rows + validation_rows + test_rows AS used
FROM profile_train('skip', 'customers', 'churned', exclude => ARRAY['id']);

-- max_rows samples the labelled rows reproducibly: the same rows, and so the same model,
-- whatever order the relation returns them in. pg_persona.max_rows is its default.
SELECT train_rows + validation_rows + test_rows AS used
FROM profile_train('sampled', 'customers', 'churned', exclude => ARRAY['id'],
                   options => '{"max_rows": 200}');
CREATE TABLE customers_shuffled AS SELECT * FROM customers ORDER BY md5(id::text);
SELECT train_rows + validation_rows + test_rows AS used
FROM profile_train('shuffled', 'customers_shuffled', 'churned', exclude => ARRAY['id'],
                   options => '{"max_rows": 200}');
SELECT (SELECT model FROM persona.models WHERE name = 'sampled')
     = (SELECT model FROM persona.models WHERE name = 'shuffled') AS same_model;
SET pg_persona.max_rows = 100;
SELECT train_rows + validation_rows + test_rows AS used
FROM profile_train('sampled', 'customers', 'churned', exclude => ARRAY['id']);
RESET pg_persona.max_rows;

-- Dropping removes every version and the deploy history.
SELECT profile_drop('churn');
SELECT count(*) AS versions FROM persona.models WHERE name = 'churn';
SELECT count(*) AS deployments FROM persona.deployments WHERE name = 'churn';
SELECT count(*) AS dropped
FROM (SELECT DISTINCT name FROM persona.models) AS m, LATERAL profile_drop(m.name) AS d;
