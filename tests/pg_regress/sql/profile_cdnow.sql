-- The real CDNOW purchase log (tests/data/cdnow_sample.csv, 6,919 purchases by 2,357
-- customers): a customer profile kept by the triggers while the log arrives in shuffled
-- batches of random sizes, then corrected and partly deleted, equals a GROUP BY
-- recomputation; as of 1997-10-01 it equals the profile of the purchases before that
-- date, and with a "bought again" label it trains a repeat-purchase model.
SET timezone = 'UTC';
CREATE TABLE cdnow (customer_id int, purchased_on date, cds int, amount numeric);
\copy cdnow FROM 'tests/data/cdnow_sample.csv' WITH (FORMAT csv, HEADER)

CREATE TABLE purchases (
    id bigint PRIMARY KEY, customer_id int, purchased_on date, cds int, amount numeric
);
SELECT profile_define('customer_profile', 'purchases', 'customer_id', 'purchased_on', '{
    "orders":    "count(*)",
    "spend":     "sum(amount)",
    "cds":       "sum(cds)",
    "avg_order": "avg(amount)",
    "max_order": "max(amount)",
    "spend_90d": {"aggregate": "sum(amount)", "window": "90 days"}
}');

-- Shuffled, with a batch number: batches of 1 to 400 rows.
SELECT setseed(0.25);
CREATE TABLE log AS
SELECT row_number() OVER (ORDER BY random()) AS id, c.* FROM cdnow c;
CREATE TABLE cuts AS
WITH RECURSIVE b(n, upto) AS (
    SELECT 1, (1 + floor(random() * 400))::bigint
    UNION ALL
    SELECT n + 1, upto + (1 + floor(random() * 400))::bigint FROM b
    WHERE upto < (SELECT count(*) FROM log)
)
SELECT n, coalesce(lag(upto) OVER (ORDER BY n), 0) AS after, upto FROM b;
SELECT count(*) > 20 AS many_batches FROM cuts;
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT * FROM cuts ORDER BY n LOOP
        INSERT INTO purchases SELECT * FROM log WHERE id > c.after AND id <= c.upto;
    END LOOP;
END $$;
SELECT count(*) AS purchases, count(DISTINCT customer_id) AS customers FROM purchases;

-- Corrections and deletions, including customers' largest orders.
UPDATE purchases SET amount = amount + 1 WHERE id % 17 = 0;
UPDATE purchases SET customer_id = customer_id + 1 WHERE id % 101 = 0;
UPDATE purchases SET purchased_on = purchased_on + 30 WHERE id % 53 = 0;
DELETE FROM purchases p WHERE id % 13 = 0
   OR amount = (SELECT max(amount) FROM purchases q WHERE q.customer_id = p.customer_id
                AND p.customer_id % 9 = 0);
SELECT profile_verify('customer_profile');

-- The same values as a GROUP BY in this test.
CREATE VIEW recomputed AS
SELECT customer_id, count(*) AS events, min(purchased_on) AS first_seen,
       max(purchased_on) AS last_seen, count(*) AS orders, sum(amount) AS spend,
       sum(cds) AS cds, avg(amount) AS avg_order, max(amount) AS max_order
FROM purchases GROUP BY customer_id;
SELECT (SELECT count(*) FROM customer_profile) AS profiles,
       (SELECT count(*) FROM (
            SELECT customer_id, events, first_seen, last_seen, orders, spend, cds,
                   avg_order, max_order FROM customer_profile
            EXCEPT SELECT * FROM recomputed) AS d) AS not_in_recomputation,
       (SELECT count(*) FROM (
            SELECT * FROM recomputed
            EXCEPT SELECT customer_id, events, first_seen, last_seen, orders, spend, cds,
                          avg_order, max_order FROM customer_profile) AS d) AS not_in_profile;

-- As of 1997-10-01: the profile of only the purchases before it, the 90-day window
-- measured back from it.
SELECT count(*) AS customers_before_cutoff FROM customer_profile_as_of('1997-10-01');
SELECT count(*) AS differing FROM (
    (SELECT customer_id, events, orders, spend, cds, avg_order, max_order, spend_90d,
            recency_days, tenure_days
     FROM customer_profile_as_of('1997-10-01')
     EXCEPT
     SELECT customer_id, count(*), count(*), sum(amount), sum(cds), avg(amount), max(amount),
            coalesce(sum(amount) FILTER (WHERE purchased_on > date '1997-10-01' - 90), 0),
            (date '1997-10-01' - max(purchased_on))::float8,
            (date '1997-10-01' - min(purchased_on))::float8
     FROM purchases WHERE purchased_on < '1997-10-01' GROUP BY customer_id)
    UNION ALL
    (SELECT customer_id, count(*), count(*), sum(amount), sum(cds), avg(amount), max(amount),
            coalesce(sum(amount) FILTER (WHERE purchased_on > date '1997-10-01' - 90), 0),
            (date '1997-10-01' - max(purchased_on))::float8,
            (date '1997-10-01' - min(purchased_on))::float8
     FROM purchases WHERE purchased_on < '1997-10-01' GROUP BY customer_id
     EXCEPT
     SELECT customer_id, events, orders, spend, cds, avg_order, max_order, spend_90d,
            recency_days, tenure_days
     FROM customer_profile_as_of('1997-10-01'))) AS d;

-- Point-in-time features with a label from after the cutoff: a repeat-purchase model.
CREATE VIEW repeat_training AS
SELECT p.*, EXISTS (SELECT FROM purchases q WHERE q.customer_id = p.customer_id
                                             AND q.purchased_on >= '1997-10-01') AS bought_again
FROM customer_profile_as_of('1997-10-01') AS p;
SELECT task, train_rows + validation_rows + test_rows AS rows,
       (metrics->'test'->>'roc_auc')::float8 > 0.7 AS test_auc_above_0_7
FROM profile_train('repeat_buyer', 'repeat_training', 'bought_again',
                   exclude => ARRAY['customer_id', 'first_seen', 'last_seen']);
SELECT profile_drop('repeat_buyer');
DROP VIEW repeat_training;
SELECT profile_undefine('customer_profile');
