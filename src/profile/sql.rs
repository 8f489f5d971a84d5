//! The SQL a profile runs, generated from its plan: the profile table, the trigger
//! function that keeps it exact, the `_now` view, the `_as_of` function, and the
//! recomputation that backfills, rebuilds and verifies it. Plain Rust: identifiers and
//! types arrive already quoted by Postgres (see `resolve`).
//!
//! The table holds, per key, a *state* column for each mergeable part of a feature:
//! counts and sums are added, minimums and maximums merged with least/greatest (and
//! recomputed for the keys whose extreme row went away); an average is its sum and
//! count, with the average itself a generated column. Windowed features depend on the
//! clock, so they are not stored: the view and the as-of function compute them from the
//! source rows inside the window.

use super::spec::Func;

/// A profile, resolved: every name quoted, every type known.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The profile table, schema-qualified and quoted.
    pub table: String,
    pub view: String,
    /// The as-of function, schema-qualified and quoted (without its argument list).
    pub as_of: String,
    /// The trigger function, schema-qualified and quoted.
    pub function: String,
    /// The source table, schema-qualified and quoted.
    pub source: String,
    /// The key column (quoted), in the source and in the profile.
    pub key: String,
    pub key_type: String,
    /// The time column (quoted) of the source.
    pub time: String,
    pub time_type: String,
    pub features: Vec<PlannedFeature>,
    /// What `SET search_path` pins for the generated functions.
    pub search_path: String,
}

#[derive(Debug, Clone)]
pub struct PlannedFeature {
    /// The column name, quoted.
    pub column: String,
    pub func: Func,
    pub arg: Option<String>,
    pub filter: Option<String>,
    /// The window as an SQL interval expression, e.g. `'30 days'::interval`.
    pub window: Option<String>,
    /// The feature's type (the aggregate's result type).
    pub sql_type: String,
    /// For an average kept in the table: its sum and count state columns, quoted.
    pub avg_state: Option<(String, String)>,
}

/// How a part aggregates its per-row value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agg {
    /// Counts the rows whose value is true.
    Count,
    Sum,
    Min,
    Max,
}

/// One aggregate over one per-row expression of the source.
#[derive(Debug, Clone)]
struct Part {
    /// Per-row expression over the source's columns.
    value: String,
    agg: Agg,
    sql_type: String,
}

/// A stored column of the profile table that the triggers maintain.
#[derive(Debug, Clone)]
struct State {
    column: String,
    part: Part,
}

/// The events, first_seen and last_seen columns every profile has, then each stored
/// feature's state columns.
fn states(plan: &Plan) -> Vec<State> {
    let mut out = vec![
        State {
            column: "events".into(),
            part: Part {
                value: "true".into(),
                agg: Agg::Count,
                sql_type: "bigint".into(),
            },
        },
        State {
            column: "first_seen".into(),
            part: Part {
                value: plan.time.clone(),
                agg: Agg::Min,
                sql_type: plan.time_type.clone(),
            },
        },
        State {
            column: "last_seen".into(),
            part: Part {
                value: plan.time.clone(),
                agg: Agg::Max,
                sql_type: plan.time_type.clone(),
            },
        },
    ];
    for f in plan.features.iter().filter(|f| f.window.is_none()) {
        let parts = parts(f);
        match &f.avg_state {
            Some((sum, count)) => {
                out.push(State {
                    column: sum.clone(),
                    part: parts[0].clone(),
                });
                out.push(State {
                    column: count.clone(),
                    part: parts[1].clone(),
                });
            }
            None => out.push(State {
                column: f.column.clone(),
                part: parts[0].clone(),
            }),
        }
    }
    out
}

/// The parts a feature is computed from: one, or a sum and a count for an average.
fn parts(f: &PlannedFeature) -> Vec<Part> {
    let value = |arg: &str| match &f.filter {
        Some(c) => format!("CASE WHEN ({c}) THEN ({arg}) END"),
        None => format!("({arg})"),
    };
    match (f.func, &f.arg) {
        (Func::Count, None) => vec![Part {
            value: f
                .filter
                .as_ref()
                .map_or("true".into(), |c| format!("({c})")),
            agg: Agg::Count,
            sql_type: "bigint".into(),
        }],
        (Func::Count, Some(arg)) => vec![Part {
            value: format!("{} IS NOT NULL", value(arg)),
            agg: Agg::Count,
            sql_type: "bigint".into(),
        }],
        (Func::Avg, Some(arg)) => {
            let sum = format!("CAST({} AS {})", value(arg), f.sql_type);
            vec![
                Part {
                    value: sum.clone(),
                    agg: Agg::Sum,
                    sql_type: f.sql_type.clone(),
                },
                Part {
                    value: format!("{sum} IS NOT NULL"),
                    agg: Agg::Count,
                    sql_type: "bigint".into(),
                },
            ]
        }
        (func, arg) => vec![Part {
            value: value(arg.as_deref().unwrap_or("NULL")),
            agg: match func {
                Func::Sum => Agg::Sum,
                Func::Min => Agg::Min,
                _ => Agg::Max,
            },
            sql_type: f.sql_type.clone(),
        }],
    }
}

/// `agg` of the column `c` of the projection, over the rows where `when` holds (all rows
/// when `None`). Counts and sums over no rows are 0.
fn aggregate(part: &Part, c: &str, when: Option<&str>) -> String {
    let filter = |cond: Option<&str>| match (when, cond) {
        (Some(w), Some(c)) => format!(" FILTER (WHERE {w} AND {c})"),
        (Some(w), None) => format!(" FILTER (WHERE {w})"),
        (None, Some(c)) => format!(" FILTER (WHERE {c})"),
        (None, None) => String::new(),
    };
    let t = &part.sql_type;
    match part.agg {
        Agg::Count if part.value == "true" => format!("count(*){}", filter(None)),
        Agg::Count => format!("count(*){}", filter(Some(c))),
        Agg::Sum => format!("CAST(coalesce(sum({c}){}, 0) AS {t})", filter(None)),
        Agg::Min => format!("min({c}){}", filter(None)),
        Agg::Max => format!("max({c}){}", filter(None)),
    }
}

/// `SELECT key, time, part values... FROM from WHERE key IS NOT NULL AND extra`: the
/// rows the aggregates read, as columns `k, t, c1, ...` (see `projection_columns`).
/// Rows with a NULL key belong to no profile.
fn projection(plan: &Plan, parts: &[&Part], from: &str, extra: Option<&str>) -> String {
    let values: String = parts.iter().map(|p| format!(", {}", p.value)).collect();
    let extra = extra.map_or(String::new(), |e| format!(" AND {e}"));
    format!(
        "SELECT {key}, {time}{values} FROM {from} WHERE {key} IS NOT NULL{extra}",
        key = plan.key,
        time = plan.time
    )
}

/// The column list `k, t, c1, ..., cn` of a projection of `n` parts.
fn projection_columns(n: usize) -> String {
    let mut out = String::from("k, t");
    for i in 1..=n {
        out.push_str(&format!(", c{i}"));
    }
    out
}

fn state_columns(states: &[State]) -> String {
    states
        .iter()
        .map(|s| s.column.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The profile table: the key, the events, first_seen and last_seen columns, the stored
/// features (averages as generated columns) and the averages' state.
pub fn create_table(plan: &Plan) -> String {
    let mut columns = vec![
        format!("{} {} PRIMARY KEY", plan.key, plan.key_type),
        "events bigint NOT NULL".to_string(),
        format!("first_seen {}", plan.time_type),
        format!("last_seen {}", plan.time_type),
    ];
    let mut hidden = Vec::new();
    for f in plan.features.iter().filter(|f| f.window.is_none()) {
        match (&f.avg_state, f.func) {
            (Some((sum, count)), _) => {
                columns.push(format!(
                    "{} {} GENERATED ALWAYS AS ({sum} / NULLIF({count}, 0)) STORED",
                    f.column, f.sql_type
                ));
                hidden.push(format!("{sum} {} NOT NULL", f.sql_type));
                hidden.push(format!("{count} bigint NOT NULL"));
            }
            (None, Func::Count | Func::Sum) => {
                columns.push(format!("{} {} NOT NULL", f.column, f.sql_type))
            }
            (None, _) => columns.push(format!("{} {}", f.column, f.sql_type)),
        }
    }
    columns.extend(hidden);
    // Room on each page for the updates the triggers make, so they stay HOT.
    format!(
        "CREATE TABLE {} (\n    {}\n) WITH (fillfactor = 70)",
        plan.table,
        columns.join(",\n    ")
    )
}

/// Every key's state recomputed from the source: `k` then one column per state, in the
/// order of the table's state columns.
pub fn recompute(plan: &Plan) -> String {
    recompute_where(plan, None)
}

fn recompute_where(plan: &Plan, extra: Option<&str>) -> String {
    let states = states(plan);
    let parts: Vec<&Part> = states.iter().map(|s| &s.part).collect();
    let aggs: String = parts
        .iter()
        .enumerate()
        .map(|(i, p)| format!(",\n       {}", aggregate(p, &format!("r.c{}", i + 1), None)))
        .collect();
    format!(
        "SELECT r.k{aggs}\nFROM ({}) AS r({})\nGROUP BY r.k",
        projection(plan, &parts, &plan.source, extra),
        projection_columns(parts.len())
    )
}

/// Writes every key's recomputed state into the (empty) profile table.
pub fn fill(plan: &Plan) -> String {
    fill_where(plan, None)
}

/// `fill`, counting each source row read with `persona.backfill_progress()`.
pub fn backfill(plan: &Plan) -> String {
    fill_where(plan, Some("persona.backfill_progress()"))
}

fn fill_where(plan: &Plan, extra: Option<&str>) -> String {
    format!(
        "INSERT INTO {} ({}, {})\n{}",
        plan.table,
        plan.key,
        state_columns(&states(plan)),
        recompute_where(plan, extra)
    )
}

/// The number of keys whose stored state differs from a recomputation (including keys
/// present on one side only). Floating-point sums are kept by adding and subtracting,
/// so they are compared to a relative 1e-9.
pub fn verify(plan: &Plan) -> String {
    let states = states(plan);
    let same: Vec<String> = states
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (mine, theirs) = (format!("p.{}", s.column), format!("x.c{}", i + 1));
            if is_float(&s.part.sql_type) && s.part.agg == Agg::Sum {
                format!(
                    "({mine} = {theirs} OR abs({mine} - {theirs}) <= 1e-9 * greatest(1, abs({theirs})))"
                )
            } else {
                format!("{mine} IS NOT DISTINCT FROM {theirs}")
            }
        })
        .collect();
    let columns: String = (1..=states.len()).map(|i| format!(", c{i}")).collect();
    format!(
        "SELECT count(*) FROM {table} AS p\nFULL JOIN ({recompute}) AS x(k{columns}) ON p.{key} = x.k\n\
         WHERE p.{key} IS NULL OR x.k IS NULL OR NOT ({same})",
        table = plan.table,
        recompute = recompute(plan),
        key = plan.key,
        same = same.join("\n    AND ")
    )
}

fn is_float(sql_type: &str) -> bool {
    matches!(sql_type, "double precision" | "real")
}

/// The body of the trigger function: one aggregated, key-sorted upsert per statement.
pub fn trigger_function(plan: &Plan) -> String {
    let states = states(plan);
    let parts: Vec<&Part> = states.iter().map(|s| &s.part).collect();
    let columns = state_columns(&states);
    let merge: String = states
        .iter()
        .map(|s| {
            let c = &s.column;
            match s.part.agg {
                Agg::Count | Agg::Sum => format!("{c} = p.{c} + excluded.{c}"),
                Agg::Min => format!("{c} = least(p.{c}, excluded.{c})"),
                Agg::Max => format!("{c} = greatest(p.{c}, excluded.{c})"),
            }
        })
        .collect::<Vec<_>>()
        .join(",\n            ");
    let upsert_tail = format!(
        "ON CONFLICT ({key}) DO UPDATE SET\n            {merge}",
        key = plan.key
    );

    // INSERT: the new rows, aggregated per key, merged in key order.
    let aggs: String = parts
        .iter()
        .enumerate()
        .map(|(i, p)| format!(", {}", aggregate(p, &format!("r.c{}", i + 1), None)))
        .collect();
    let insert = format!(
        "INSERT INTO {table} AS p ({key}, {columns})\n        \
         SELECT r.k{aggs}\n        \
         FROM ({proj}) AS r({cols})\n        \
         GROUP BY r.k ORDER BY r.k\n        {upsert_tail};",
        table = plan.table,
        key = plan.key,
        proj = projection(plan, &parts, "new_rows", None),
        cols = projection_columns(parts.len()),
    );

    // UPDATE and DELETE: signed deltas per key (+ new rows, - old rows), merged in key
    // order; then keys left with no rows are deleted and keys that lost an extreme row
    // have their minimums and maximums recomputed from the source.
    let mut delta = Vec::new();
    let mut stale = Vec::new();
    for (i, s) in states.iter().enumerate() {
        let c = format!("r.c{}", i + 1);
        let n = i + 1;
        let plus = aggregate(&s.part, &c, Some("r.s > 0"));
        let minus = aggregate(&s.part, &c, Some("r.s < 0"));
        match s.part.agg {
            Agg::Count | Agg::Sum => delta.push(format!("{plus} - {minus} AS a{n}")),
            Agg::Min | Agg::Max => {
                delta.push(format!("{plus} AS a{n}"));
                delta.push(format!("{minus} AS x{n}"));
                let (cmp, beyond) = if s.part.agg == Agg::Min {
                    ("<=", ">")
                } else {
                    (">=", "<")
                };
                stale.push(format!(
                    "(d.x{n} IS NOT NULL AND (u.m{n} IS NULL OR d.x{n} {cmp} u.m{n}) \
                     AND (d.a{n} IS NULL OR d.a{n} {beyond} d.x{n}))"
                ));
            }
        }
    }
    let returning: String = states
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.part.agg, Agg::Min | Agg::Max))
        .map(|(i, s)| format!(", p.{} AS m{}", s.column, i + 1))
        .collect();
    let a_columns: String = (1..=states.len()).map(|n| format!(", d.a{n}")).collect();
    let change = |sources: &[(&str, &str)]| {
        let rows = sources
            .iter()
            .map(|(sign, from)| {
                format!(
                    "SELECT {sign}, {}",
                    projection(plan, &parts, from, None).trim_start_matches("SELECT ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n            UNION ALL\n            ");
        format!(
            "WITH r(s, {cols}) AS (\n            {rows}\n        ), d AS (\n            \
             SELECT r.k, {delta}\n            FROM r GROUP BY r.k\n        ), u AS (\n            \
             INSERT INTO {table} AS p ({key}, {columns})\n            \
             SELECT d.k{a_columns} FROM d ORDER BY d.k\n            {upsert_tail}\n            \
             RETURNING p.{key} AS k, p.events AS n{returning}\n        )\n        \
             SELECT array_agg(u.k ORDER BY u.k) FILTER (WHERE u.n = 0),\n               \
             array_agg(u.k ORDER BY u.k) FILTER (WHERE u.n <> 0 AND ({stale}))\n        \
             INTO maintain.gone, maintain.stale\n        FROM u JOIN d ON d.k = u.k;",
            cols = projection_columns(parts.len()),
            delta = delta.join(",\n                   "),
            table = plan.table,
            key = plan.key,
            stale = if stale.is_empty() {
                "false".to_string()
            } else {
                stale.join("\n                   OR ")
            },
        )
    };
    let update = change(&[("1", "new_rows"), ("-1", "old_rows")]);
    let delete = change(&[("-1", "old_rows")]);

    // The extremes of the stale keys, from the source.
    let extremes: Vec<(usize, &State)> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.part.agg, Agg::Min | Agg::Max))
        .collect();
    let extreme_parts: Vec<&Part> = extremes.iter().map(|(_, s)| &s.part).collect();
    let set: String = extremes
        .iter()
        .enumerate()
        .map(|(j, (_, s))| format!("{} = y.c{}", s.column, j + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let extreme_aggs: String = extreme_parts
        .iter()
        .enumerate()
        .map(|(j, p)| format!(", {}", aggregate(p, &format!("r.c{}", j + 1), None)))
        .collect();
    let y_columns: String = (1..=extremes.len()).map(|j| format!(", c{j}")).collect();
    let recompute_stale = format!(
        "UPDATE {table} AS p SET {set}\n            \
         FROM (SELECT r.k{extreme_aggs}\n                  \
         FROM ({proj}) AS r({cols})\n                  \
         GROUP BY r.k) AS y(k{y_columns})\n            \
         WHERE p.{key} = y.k;",
        table = plan.table,
        key = plan.key,
        proj = projection(
            plan,
            &extreme_parts,
            &plan.source,
            Some(&format!("{} = ANY (maintain.stale)", plan.key))
        ),
        cols = projection_columns(extreme_parts.len()),
    );

    let body = format!(
        "#variable_conflict use_column
<<maintain>>
DECLARE
    gone {key_type}[];
    stale {key_type}[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        {insert}
    ELSIF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
        IF TG_OP = 'UPDATE' THEN
        {update}
        ELSE
        {delete}
        END IF;
        IF maintain.gone IS NOT NULL THEN
            DELETE FROM {table} WHERE {key} = ANY (maintain.gone) AND events = 0;
        END IF;
        IF maintain.stale IS NOT NULL THEN
            {recompute_stale}
        END IF;
    ELSIF TG_ARGV[0] = 'partition' THEN
        -- One partition was truncated: recompute everything, with writers kept out.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'TRUNCATE of a partition of a profile''s source must run in a READ COMMITTED transaction'
                USING ERRCODE = 'invalid_transaction_state',
                      HINT = 'It recomputes the profile from the source, which needs a fresh snapshot.';
        END IF;
        LOCK TABLE {source} IN SHARE ROW EXCLUSIVE MODE;
        DELETE FROM {table};
        {fill};
    ELSE
        DELETE FROM {table};
    END IF;
    RETURN NULL;
END
",
        key_type = plan.key_type,
        table = plan.table,
        key = plan.key,
        source = plan.source,
        fill = fill(plan),
    );
    format!(
        "CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER\n\
         SET search_path = {} AS {}",
        plan.function,
        plan.search_path,
        dollar_quote(&body)
    )
}

/// `body` between dollar quotes whose tag does not occur in it.
fn dollar_quote(body: &str) -> String {
    let mut tag = "$maintain$".to_string();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$maintain{n}$");
    }
    format!("{tag}\n{body}{tag}")
}

/// The four statement-level triggers on `table` (the source or one of its partitions).
/// On a partition they pass 'partition', so a TRUNCATE of it recomputes the profile.
pub fn create_triggers(
    plan: &Plan,
    table: &str,
    triggers: &Triggers,
    partition: bool,
) -> Vec<String> {
    let arg = if partition { "'partition'" } else { "" };
    let f = &plan.function;
    vec![
        format!(
            "CREATE TRIGGER {} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION {f}({arg})",
            triggers.insert
        ),
        format!(
            "CREATE TRIGGER {} AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows \
             NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {f}({arg})",
            triggers.update
        ),
        format!(
            "CREATE TRIGGER {} AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION {f}({arg})",
            triggers.delete
        ),
        format!(
            "CREATE TRIGGER {} AFTER TRUNCATE ON {table} FOR EACH STATEMENT \
             EXECUTE FUNCTION {f}({arg})",
            triggers.truncate
        ),
    ]
}

/// The quoted names of a profile's triggers.
#[derive(Debug, Clone)]
pub struct Triggers {
    pub insert: String,
    pub update: String,
    pub delete: String,
    pub truncate: String,
}

impl Triggers {
    pub fn all(&self) -> [&str; 4] {
        [&self.insert, &self.update, &self.delete, &self.truncate]
    }
}

/// The SQL for one windowed feature over the projection columns starting at `first`,
/// for the rows later than `reference - window`.
fn window_feature(f: &PlannedFeature, first: usize, reference: &str) -> String {
    let window = f.window.as_deref().expect("a windowed feature");
    let inside = format!("r.t > {reference} - {window}");
    stored_feature_value(f, first, Some(&inside))
}

/// A feature's value from its parts' aggregates (columns `r.c{first}`...), over the rows
/// where `when` holds.
fn stored_feature_value(f: &PlannedFeature, first: usize, when: Option<&str>) -> String {
    let parts = parts(f);
    let agg = |j: usize| aggregate(&parts[j], &format!("r.c{}", first + j), when);
    match f.func {
        Func::Avg => format!("({} / NULLIF({}, 0))", agg(0), agg(1)),
        Func::Count => agg(0),
        _ => format!("CAST({} AS {})", agg(0), f.sql_type),
    }
}

fn days_since(reference: &str, time: &str) -> String {
    format!("CAST(extract(epoch FROM ({reference} - CAST({time} AS timestamptz))) / 86400 AS double precision)")
}

/// `<profile>_now`: the table, the windowed features and recency/tenure as of now().
pub fn create_view(plan: &Plan) -> String {
    let windowed: Vec<&PlannedFeature> = plan
        .features
        .iter()
        .filter(|f| f.window.is_some())
        .collect();
    let mut select = vec![
        format!("p.{}", plan.key),
        "p.events".into(),
        "p.first_seen".into(),
        "p.last_seen".into(),
    ];
    select.extend(
        plan.features
            .iter()
            .filter(|f| f.window.is_none())
            .map(|f| format!("p.{}", f.column)),
    );
    let mut join = String::new();
    if !windowed.is_empty() {
        let mut parts = Vec::new();
        let mut values = Vec::new();
        for (i, f) in windowed.iter().enumerate() {
            values.push(format!(
                "{} AS w{}",
                window_feature(f, parts.len() + 1, "now()"),
                i + 1
            ));
            parts.extend(self::parts(f));
        }
        let part_refs: Vec<&Part> = parts.iter().collect();
        let widest = windowed
            .iter()
            .map(|f| f.window.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", ");
        let recent = format!(
            "{time} > now() - greatest({widest}) AND {time} <= now()",
            time = plan.time
        );
        join = format!(
            "\nLEFT JOIN (SELECT r.k, {values}\n           FROM ({proj}) AS r({cols})\n           \
             GROUP BY r.k) AS w ON w.k = p.{key}",
            values = values.join(", "),
            proj = projection(plan, &part_refs, &plan.source, Some(&recent)),
            cols = projection_columns(part_refs.len()),
            key = plan.key,
        );
        for (i, f) in windowed.iter().enumerate() {
            let w = format!("w.w{}", i + 1);
            select.push(match f.func {
                Func::Count | Func::Sum => {
                    format!("CAST(coalesce({w}, 0) AS {}) AS {}", f.sql_type, f.column)
                }
                _ => format!("{w} AS {}", f.column),
            });
        }
    }
    select.push(format!(
        "{} AS recency_days",
        days_since("now()", "p.last_seen")
    ));
    select.push(format!(
        "{} AS tenure_days",
        days_since("now()", "p.first_seen")
    ));
    format!(
        "CREATE VIEW {} AS\nSELECT {}\nFROM {} AS p{join}",
        plan.view,
        select.join(",\n       "),
        plan.table
    )
}

/// `<profile>_as_of(at)`: the view's rows and columns, from the source rows before `at`.
pub fn create_as_of(plan: &Plan) -> String {
    let mut parts: Vec<Part> = Vec::new();
    let mut select = vec![
        "r.k".to_string(),
        "count(*)".into(),
        format!("CAST(min(r.t) AS {})", plan.time_type),
        format!("CAST(max(r.t) AS {})", plan.time_type),
    ];
    let stored = plan.features.iter().filter(|f| f.window.is_none());
    let windowed = plan.features.iter().filter(|f| f.window.is_some());
    for f in stored {
        select.push(stored_feature_value(f, parts.len() + 1, None));
        parts.extend(self::parts(f));
    }
    for f in windowed {
        select.push(window_feature(f, parts.len() + 1, "$1"));
        parts.extend(self::parts(f));
    }
    select.push(days_since("$1", "max(r.t)"));
    select.push(days_since("$1", "min(r.t)"));
    let part_refs: Vec<&Part> = parts.iter().collect();
    format!(
        "CREATE FUNCTION {name}(at timestamptz) RETURNS SETOF {view}\n\
         LANGUAGE sql STABLE\nBEGIN ATOMIC\n\
         SELECT {select}\nFROM ({proj}) AS r({cols})\nGROUP BY r.k;\nEND",
        name = plan.as_of,
        view = plan.view,
        select = select.join(",\n       "),
        proj = projection(
            plan,
            &part_refs,
            &plan.source,
            Some(&format!("{} < $1", plan.time))
        ),
        cols = projection_columns(part_refs.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            table: "public.p".into(),
            view: "public.p_now".into(),
            as_of: "public.p_as_of".into(),
            function: "public.p_maintain".into(),
            source: "public.orders".into(),
            key: "customer".into(),
            key_type: "integer".into(),
            time: "\"At\"".into(),
            time_type: "date".into(),
            features: vec![
                PlannedFeature {
                    column: "avg_order".into(),
                    func: Func::Avg,
                    arg: Some("amount".into()),
                    filter: None,
                    window: None,
                    sql_type: "numeric".into(),
                    avg_state: Some(("avg_order__sum".into(), "avg_order__count".into())),
                },
                PlannedFeature {
                    column: "web".into(),
                    func: Func::Count,
                    arg: None,
                    filter: Some("channel = 'web'".into()),
                    window: None,
                    sql_type: "bigint".into(),
                    avg_state: None,
                },
                PlannedFeature {
                    column: "spend_30d".into(),
                    func: Func::Sum,
                    arg: Some("amount".into()),
                    filter: None,
                    window: Some("'30 days'::interval".into()),
                    sql_type: "numeric".into(),
                    avg_state: None,
                },
            ],
            search_path: "pg_catalog, public, pg_temp".into(),
        }
    }

    #[test]
    fn the_table_stores_states_and_derives_averages() {
        let sql = create_table(&plan());
        assert!(sql.contains("customer integer PRIMARY KEY"));
        assert!(sql.contains(
            "avg_order numeric GENERATED ALWAYS AS (avg_order__sum / NULLIF(avg_order__count, 0)) STORED"
        ));
        assert!(sql.contains("web bigint NOT NULL"));
        // Windowed features depend on the clock: not stored.
        assert!(!sql.contains("spend_30d"));
    }

    #[test]
    fn recomputation_lists_every_state_in_table_order() {
        let sql = fill(&plan());
        assert!(sql.starts_with(
            "INSERT INTO public.p (customer, events, first_seen, last_seen, avg_order__sum, avg_order__count, web)"
        ));
        assert!(sql.contains("count(*) FILTER (WHERE r.c6)"));
        assert!(sql.contains("(channel = 'web')"));
        assert!(sql.contains("GROUP BY r.k"));
    }

    #[test]
    fn the_trigger_upserts_in_key_order_and_recomputes_lost_extremes() {
        let sql = trigger_function(&plan());
        assert!(sql.contains("GROUP BY r.k ORDER BY r.k"));
        assert!(sql.contains("SELECT d.k, d.a1, d.a2, d.a3, d.a4, d.a5, d.a6 FROM d ORDER BY d.k"));
        assert!(sql.contains("first_seen = least(p.first_seen, excluded.first_seen)"));
        assert!(sql.contains("d.x2 <= u.m2"));
        assert!(sql.contains("d.x3 >= u.m3"));
        assert!(sql.contains("SECURITY DEFINER"));
        assert!(sql.contains("SET search_path = pg_catalog, public, pg_temp"));
    }

    #[test]
    fn dollar_quotes_avoid_the_body() {
        assert_eq!(dollar_quote("x"), "$maintain$\nx$maintain$");
        assert!(dollar_quote("'$maintain$'").starts_with("$maintain1$"));
    }

    #[test]
    fn the_view_and_as_of_measure_windows_from_their_reference_time() {
        let view = create_view(&plan());
        let as_of = create_as_of(&plan());
        assert!(view.contains("r.t > now() - '30 days'::interval"));
        assert!(as_of.contains("r.t > $1 - '30 days'::interval"));
        assert!(as_of.contains("\"At\" < $1"));
        assert!(as_of.contains("RETURNS SETOF public.p_now"));
    }
}
