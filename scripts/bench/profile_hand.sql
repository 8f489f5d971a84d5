-- The hand-written alternative `make bench-profile` compares profile_define with: the
-- same stored features as the benchmark's profile, in a table of its own, kept by a
-- PL/pgSQL ROW trigger that runs one INSERT ... ON CONFLICT DO UPDATE per inserted
-- event. Like the extension's table it keeps events, first_seen and last_seen, an
-- average as its sum and count (the average a generated column) and fillfactor 70; it
-- does not keep the windowed features, which a view would compute from the source.
-- Inserts only: nothing here handles UPDATE, DELETE or TRUNCATE of events.
CREATE TABLE hand_profile (
    user_id      bigint PRIMARY KEY,
    events       bigint NOT NULL,
    first_seen   timestamptz,
    last_seen    timestamptz,
    orders       bigint NOT NULL,   -- count(*)
    spend        numeric NOT NULL,  -- sum(amount)
    items        bigint NOT NULL,   -- count(amount)
    biggest      numeric,           -- max(amount)
    smallest     numeric,           -- min(amount)
    c1_orders    bigint NOT NULL,   -- count(*) FILTER (WHERE category = 'c1')
    c2_spend     numeric NOT NULL,  -- sum(amount) FILTER (WHERE category = 'c2')
    avg_amount   numeric GENERATED ALWAYS AS (amount_sum / NULLIF(amount_count, 0)) STORED,
    amount_sum   numeric NOT NULL,
    amount_count bigint NOT NULL
) WITH (fillfactor = 70);

CREATE FUNCTION hand_profile_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hand_profile AS p (user_id, events, first_seen, last_seen, orders, spend,
                                   items, biggest, smallest, c1_orders, c2_spend,
                                   amount_sum, amount_count)
    VALUES (NEW.user_id, 1, NEW.at, NEW.at, 1, coalesce(NEW.amount, 0),
            CASE WHEN NEW.amount IS NULL THEN 0 ELSE 1 END, NEW.amount, NEW.amount,
            CASE WHEN NEW.category = 'c1' THEN 1 ELSE 0 END,
            CASE WHEN NEW.category = 'c2' THEN coalesce(NEW.amount, 0) ELSE 0 END,
            coalesce(NEW.amount, 0), CASE WHEN NEW.amount IS NULL THEN 0 ELSE 1 END)
    ON CONFLICT (user_id) DO UPDATE SET
        events       = p.events + 1,
        first_seen   = least(p.first_seen, excluded.first_seen),
        last_seen    = greatest(p.last_seen, excluded.last_seen),
        orders       = p.orders + 1,
        spend        = p.spend + excluded.spend,
        items        = p.items + excluded.items,
        biggest      = greatest(p.biggest, excluded.biggest),
        smallest     = least(p.smallest, excluded.smallest),
        c1_orders    = p.c1_orders + excluded.c1_orders,
        c2_spend     = p.c2_spend + excluded.c2_spend,
        amount_sum   = p.amount_sum + excluded.amount_sum,
        amount_count = p.amount_count + excluded.amount_count;
    RETURN NULL;
END
$$;

CREATE TRIGGER hand_profile_row AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION hand_profile_row();

-- The number of users whose hand_profile row differs from a recomputation over events
-- (or exists on one side only): 0 when the trigger kept it exact.
CREATE FUNCTION hand_profile_mismatches() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*)
    FROM hand_profile AS h
    FULL JOIN (SELECT user_id, count(*) AS events, min(at) AS first_seen,
                      max(at) AS last_seen, count(*) AS orders,
                      coalesce(sum(amount), 0) AS spend, count(amount) AS items,
                      max(amount) AS biggest, min(amount) AS smallest,
                      count(*) FILTER (WHERE category = 'c1') AS c1_orders,
                      coalesce(sum(amount) FILTER (WHERE category = 'c2'), 0) AS c2_spend,
                      avg(amount) AS avg_amount
               FROM events GROUP BY user_id) AS x
        USING (user_id)
    WHERE h.user_id IS NULL OR x.user_id IS NULL
       OR (h.events, h.first_seen, h.last_seen, h.orders, h.spend, h.items, h.biggest,
           h.smallest, h.c1_orders, h.c2_spend, h.avg_amount)
          IS DISTINCT FROM
          (x.events, x.first_seen, x.last_seen, x.orders, x.spend, x.items, x.biggest,
           x.smallest, x.c1_orders, x.c2_spend, x.avg_amount)
$$;
