-- pgbench script of `make bench-profile`: one user's profile through the _now view
-- (stored features plus the windowed ones, recency and tenure, computed as of now()).
\set user random(1, :users)
SELECT * FROM customer_profile_now WHERE user_id = :user;
