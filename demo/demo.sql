-- The walkthrough `make demo` runs against a fresh database.
\pset footer off

\echo '== pg_persona is installed'
CREATE EXTENSION pg_persona;
SELECT profile_version() AS version;

\echo
\echo '== Evaluating scores a query already has'
WITH scored(customer, bought_again, score) AS (
    VALUES (1, true, 0.91), (2, false, 0.35), (3, true, 0.62),
           (4, false, 0.55), (5, true, 0.48), (6, false, 0.12)
)
SELECT (m->>'rows')::int AS rows,
       round((m->>'accuracy')::numeric, 3) AS accuracy,
       round((m->>'roc_auc')::numeric, 3) AS roc_auc,
       round((m->>'log_loss')::numeric, 3) AS log_loss,
       m->'confusion'  AS confusion
FROM (SELECT profile_classification_metrics(array_agg(bought_again ORDER BY customer),
                                            array_agg(score ORDER BY customer)) AS m
      FROM scored) AS t;
