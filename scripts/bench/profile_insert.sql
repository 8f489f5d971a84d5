-- pgbench script of `make bench-profile`: one event per transaction, a single-row
-- INSERT into :table (pgbench -D table=events; simple query mode substitutes it as
-- text) for a uniformly random one of :users users (-D users=N), one of 5
-- categories, an amount of 0.00 to 200.00 and a time in the last 365 days.
\set user random(1, :users)
\set category random(1, 5)
\set cents random(0, 20000)
\set age random(0, 31535999)
INSERT INTO :table (user_id, category, amount, at)
VALUES (:user, 'c' || :category, :cents / 100.0, now() - :age * interval '1 second');
