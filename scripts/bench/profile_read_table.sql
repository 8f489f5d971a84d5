-- pgbench script of `make bench-profile`: one user's row of the profile table, the
-- baseline of the _now view's latency.
\set user random(1, :users)
SELECT * FROM customer_profile WHERE user_id = :user;
