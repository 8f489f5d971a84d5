-- Real-time profiles on a small log whose values can be checked by hand: the backfill,
-- each aggregate kind, inserts, updates (of values, keys and times), deletes, TRUNCATE,
-- rolled-back work, windows, as-of, rebuild, verify and undefine.
SET timezone = 'UTC';

CREATE TABLE orders (
    id        serial PRIMARY KEY,
    customer  int,
    placed_at timestamptz,
    amount    numeric,
    channel   text,
    items     int
);
INSERT INTO orders (customer, placed_at, amount, channel, items) VALUES
    (1, '2026-01-01', 10, 'web',  1),
    (1, '2026-01-05', 30, 'shop', 3),
    (2, '2026-01-02', 5,  'web',  NULL),
    (3, '2026-01-03', NULL, 'shop', 2),
    (NULL, '2026-01-04', 99, 'web', 1);   -- no key: in no profile

-- Defining backfills from the rows already there, and creates an index on the source
-- (customer, placed_at) since none leads with the key.
SELECT profile_define('customer_profile', 'orders', 'customer', 'placed_at', '{
    "orders":      "count(*)",
    "items_known": "count(items)",
    "spend":       "sum(amount)",
    "avg_order":   "avg(amount)",
    "smallest":    "min(amount)",
    "largest":     "max(amount)",
    "web_orders":  "count(*) FILTER (WHERE channel = ''web'')",
    "web_spend":   "SUM(amount) filter (where channel = ''web'')",
    "most_items":  "max(items) FILTER (WHERE channel <> ''web'')",
    "spend_30d":   {"aggregate": "sum(amount)", "window": "30 days"},
    "orders_7d":   {"aggregate": "count(*)", "window": "7 days"}
}');
SELECT name, source, key, time, source_index FROM persona.profiles;

-- Counts and sums over no rows are 0; avg, min and max over no rows are NULL.
SELECT customer, events, first_seen, last_seen, orders, items_known, spend, avg_order,
       smallest, largest, web_orders, web_spend, most_items
FROM customer_profile ORDER BY customer;
SELECT profile_verify('customer_profile');

-- Inserts: a new customer, an existing one, a statement with several rows of a key.
INSERT INTO orders (customer, placed_at, amount, channel, items) VALUES
    (4, '2026-01-10', 7, 'web', 1);
INSERT INTO orders (customer, placed_at, amount, channel, items) VALUES
    (1, '2025-12-31', 2, 'web', 1),
    (1, '2026-01-09', 50, 'shop', 5),
    (2, '2026-01-04', 15, 'shop', 4),
    (NULL, '2026-01-04', 1, 'web', 1);
SELECT customer, events, first_seen, last_seen, orders, spend, avg_order, smallest,
       largest, web_orders, most_items
FROM customer_profile WHERE customer IN (1, 2, 4) ORDER BY customer;
SELECT profile_verify('customer_profile');

-- Deleting a customer's smallest and largest orders recomputes their extremes.
DELETE FROM orders WHERE customer = 1 AND amount IN (2, 50);
SELECT customer, events, first_seen, last_seen, spend, smallest, largest, most_items
FROM customer_profile WHERE customer = 1;
-- Updating values, times and keys: the row moves from customer 2 to customer 5.
UPDATE orders SET amount = amount * 2 WHERE customer = 1;
UPDATE orders SET placed_at = '2026-02-01' WHERE customer = 3;
UPDATE orders SET customer = 5 WHERE customer = 2 AND amount = 15;
SELECT customer, events, first_seen, last_seen, spend, avg_order, smallest, largest
FROM customer_profile ORDER BY customer;
SELECT profile_verify('customer_profile');
-- A customer whose last row goes has no profile row.
DELETE FROM orders WHERE customer = 4;
SELECT count(*) AS customer_4 FROM customer_profile WHERE customer = 4;
-- An upsert into the source fires both the insert and the update triggers.
INSERT INTO orders (id, customer, placed_at, amount, channel, items)
VALUES (1, 1, '2026-01-01', 11, 'web', 1), (100, 6, '2026-01-20', 3, 'web', 1)
ON CONFLICT (id) DO UPDATE SET amount = excluded.amount;
SELECT customer, events, spend FROM customer_profile WHERE customer IN (1, 6) ORDER BY 1;
SELECT profile_verify('customer_profile');

-- Rolled-back work leaves no trace, nor does a rolled-back savepoint.
BEGIN;
INSERT INTO orders (customer, placed_at, amount) VALUES (1, '2026-01-02', 1000);
DELETE FROM orders WHERE customer = 3;
ROLLBACK;
BEGIN;
INSERT INTO orders (customer, placed_at, amount) VALUES (7, '2026-01-02', 70);
SAVEPOINT s;
UPDATE orders SET amount = 0 WHERE customer = 7;
INSERT INTO orders (customer, placed_at, amount) VALUES (8, '2026-01-02', 80);
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT customer, events, spend FROM customer_profile WHERE customer IN (1, 3, 7, 8) ORDER BY 1;
SELECT profile_verify('customer_profile');

-- Windows, recency and tenure in the _now view are measured from now(), with no job:
-- an order 40 days ago is in no window, one 3 days ago in both.
INSERT INTO orders (customer, placed_at, amount, channel) VALUES
    (9, now() - interval '40 days', 100, 'web'),
    (9, now() - interval '10 days', 20, 'web'),
    (9, now() - interval '3 days', 5, 'shop');
SELECT customer, events, spend, spend_30d, orders_7d, round(recency_days) AS recency_days,
       round(tenure_days) AS tenure_days
FROM customer_profile_now WHERE customer IN (1, 9) ORDER BY customer;

-- As of a time: only the rows before it, windows, recency and tenure measured back
-- from it; customers with no rows before it are absent.
SELECT customer, events, first_seen, last_seen, orders, spend, avg_order, smallest,
       largest, web_orders, spend_30d, orders_7d, recency_days, tenure_days
FROM customer_profile_as_of('2026-01-05') ORDER BY customer;
-- The function returns rows of the view's type, and as of now it agrees with the view
-- on every stored feature.
SELECT prorettype::regtype AS as_of_returns, proretset AS as_of_returns_set
FROM pg_proc WHERE oid = 'customer_profile_as_of'::regproc;
SELECT count(*) AS differing_customers FROM (
    (SELECT customer, events, orders, spend, avg_order, smallest, largest, spend_30d
     FROM customer_profile_now
     EXCEPT
     SELECT customer, events, orders, spend, avg_order, smallest, largest, spend_30d
     FROM customer_profile_as_of(now() + interval '1 microsecond'))
    UNION ALL
    (SELECT customer, events, orders, spend, avg_order, smallest, largest, spend_30d
     FROM customer_profile_as_of(now() + interval '1 microsecond')
     EXCEPT
     SELECT customer, events, orders, spend, avg_order, smallest, largest, spend_30d
     FROM customer_profile_now)) AS d;

-- profile_verify finds a profile changed behind the triggers' back; profile_rebuild
-- recomputes it and returns the rows written.
UPDATE customer_profile SET spend = spend + 1 WHERE customer = 1;
DELETE FROM customer_profile WHERE customer = 3;
SELECT profile_verify('customer_profile');
SELECT profile_rebuild('customer_profile');
SELECT profile_verify('customer_profile');

-- TRUNCATE of the source empties the profile.
TRUNCATE orders;
SELECT count(*) AS rows_after_truncate FROM customer_profile;
SELECT profile_verify('customer_profile');

-- Undefining removes the triggers, the table, view, functions and the index it made.
SELECT profile_undefine('customer_profile');
SELECT count(*) AS profiles FROM persona.profiles;
SELECT to_regclass('customer_profile') AS tbl, to_regclass('customer_profile_now') AS view,
       to_regprocedure('customer_profile_as_of(timestamptz)') AS as_of,
       to_regprocedure('customer_profile_maintain()') AS maintain,
       to_regclass('orders_customer_placed_at_idx') AS index;
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'orders'::regclass
                                                    AND NOT tgisinternal;
INSERT INTO orders (customer, placed_at, amount) VALUES (1, '2026-01-01', 1);
DROP TABLE orders;

-- Dates and timestamps are times too; an existing index on the key is used as is; a
-- floating-point sum is exact to rounding.
CREATE TABLE visits (user_id bigint, day date, seconds float8);
CREATE INDEX visits_user ON visits (user_id);
INSERT INTO visits SELECT i % 7, date '2026-03-01' + i % 30, i / 3.0
FROM generate_series(1, 500) AS i;
SELECT profile_define('visit_profile', 'visits', 'user_id', 'day',
                      '{"time_spent": "sum(seconds)", "mean": "avg(seconds)"}');
SELECT user_id, events, first_seen, last_seen, round(time_spent::numeric, 6) AS time_spent,
       round(mean::numeric, 6) AS mean, round(recency_days) > 0 AS in_the_past
FROM visit_profile_now ORDER BY user_id LIMIT 3;
DELETE FROM visits WHERE seconds > 100;
UPDATE visits SET seconds = seconds / 7 WHERE user_id = 3;
SELECT profile_verify('visit_profile');
SELECT source_index FROM persona.profiles WHERE name = 'public.visit_profile';
SELECT profile_undefine('visit_profile');
SELECT to_regclass('visits_user') AS kept_index;
DROP TABLE visits;
