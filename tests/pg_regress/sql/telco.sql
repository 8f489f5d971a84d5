-- The real telecom churn table (tests/data/telco_churn.csv, 7,043 customers): a
-- logistic model on every column but the label reaches a test ROC AUC of at least 0.84,
-- and profile_evaluate agrees with a recomputation from the scores.
\i tests/data/telco.sql

SELECT task, train_rows, validation_rows, test_rows,
       (metrics->'test'->>'roc_auc')::float8 >= 0.84 AS test_auc_at_least_0_84,
       deployed
FROM profile_train('telco_churn', 'telco', 'churn');
SELECT positive_class, classes FROM persona.models WHERE name = 'telco_churn';

SELECT round((e->>'roc_auc')::numeric, 9)
     = round((profile_classification_metrics(
                  (SELECT array_agg(churn = 'Yes' ORDER BY ctid) FROM telco),
                  (SELECT array_agg(profile_score('telco_churn', t) ORDER BY ctid) FROM telco t)
              )->>'roc_auc')::numeric, 9) AS evaluate_agrees,
       (e->>'rows')::int AS rows
FROM profile_evaluate('telco_churn', 'telco') AS e;

SELECT profile_drop('telco_churn');
