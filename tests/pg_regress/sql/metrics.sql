-- profile_classification_metrics and profile_regression_metrics: metrics of scores a
-- query already has, pairing two arrays element by element.

-- Five scored rows: at the default threshold 0.5 two positives are caught, one missed.
SELECT jsonb_pretty(profile_classification_metrics(
           array_agg(label ORDER BY id), array_agg(score ORDER BY id)))
FROM (VALUES (1, true, 0.9), (2, false, 0.8), (3, true, 0.4),
             (4, false, 0.3), (5, true, 0.6)) AS t(id, label, score);

-- A lower threshold predicts more positives; ROC AUC does not depend on it.
SELECT m->'confusion' AS confusion, m->'roc_auc' AS roc_auc
FROM profile_classification_metrics('{t,f,t}', '{0.9,0.5,0.4}', threshold => 0.3) AS m;

-- Metrics that are undefined on the input are null, not zero.
SELECT m->'roc_auc' AS roc_auc, m->'precision' AS precision
FROM profile_classification_metrics('{t,t}', '{0.1,0.2}') AS m;

SELECT jsonb_pretty(profile_regression_metrics('{3,-0.5,2,7}', '{2.5,0,2,8}'));

-- NULL arrays give NULL (the functions are strict).
SELECT profile_regression_metrics(NULL, '{1}') IS NULL AS is_null;

-- Errors name the offending argument and element; the SQLSTATE is printed after each.
SELECT profile_classification_metrics('{t,f}', '{0.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_classification_metrics('{t,NULL}', '{0.5,0.1}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_classification_metrics('{t,f}', '{0.5,1.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_classification_metrics('{t}', '{0.5}', threshold => 2);
\echo :LAST_ERROR_SQLSTATE
SELECT profile_regression_metrics('{1,2}', '{1,NaN}');
\echo :LAST_ERROR_SQLSTATE
SELECT profile_regression_metrics('{}', '{}');
\echo :LAST_ERROR_SQLSTATE
