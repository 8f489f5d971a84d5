//! Real-time profiles: `profile_define` turns a declaration (a source table, its key
//! and time columns, and aggregates over its rows) into a profile table kept exact by
//! statement-level triggers, a `_now` view that adds the clock-dependent features, and
//! an `_as_of(at)` function for point-in-time features.
//!
//! - `spec`: the features object taken apart (plain Rust);
//! - `resolve`: names, columns and expressions checked against the source by Postgres;
//! - `sql`: the SQL of every generated object, from the resolved plan (plain Rust).
//!
//! Everything runs in the caller's transaction, so a failure leaves nothing behind.

pub mod resolve;
pub mod spec;
pub mod sql;

use pgrx::prelude::*;
use pgrx::spi::SpiError;
use serde_json::Value as Json;

use crate::catalog::profiles::{self, ProfileRow};
use crate::catalog::select_one;
use crate::progress;
use resolve::{Names, Source};
use spec::SpecError;

/// Why a profile operation cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("profile \"{0}\" does not exist")]
    UnknownProfile(String),
    #[error("profile {0} already exists")]
    Exists(String),
    #[error("profile_define would create {kind} {name}, which already exists")]
    ObjectExists { kind: &'static str, name: String },
    #[error("invalid profile name \"{0}\"")]
    BadName(String),
    #[error("profile name \"{name}\" is too long (at most {max} bytes)")]
    NameTooLong { name: String, max: usize },
    #[error("no schema has been selected to create profile \"{0}\" in")]
    NoSchema(String),
    #[error("\"{0}\" is not a table or partitioned table")]
    NotATable(String),
    #[error("column \"{column}\" does not exist in {relation}")]
    UnknownColumn { relation: String, column: String },
    #[error(
        "the time column \"{column}\" of {relation} has type {type_name}, not timestamptz, \
         timestamp or date"
    )]
    BadTimeType {
        relation: String,
        column: String,
        type_name: String,
    },
    #[error("feature \"{feature}\": {func}() needs a numeric expression, not {type_name}")]
    NotNumeric {
        feature: String,
        func: &'static str,
        type_name: String,
    },
    #[error("feature \"{feature}\": {message}")]
    Expression {
        feature: String,
        sqlstate: PgSqlErrorCode,
        message: String,
    },
    #[error("feature \"{feature}\": the window \"{window}\" is not a positive interval{reason}")]
    BadWindow {
        feature: String,
        window: String,
        /// Why, when Postgres could not read it as an interval.
        reason: String,
        sqlstate: PgSqlErrorCode,
    },
    #[error("feature \"{feature}\" clashes with {with}")]
    Clash { feature: String, with: String },
    #[error("{0} must run in a READ COMMITTED transaction")]
    Isolation(&'static str),
    #[error("the source table of profile {0} no longer exists")]
    SourceGone(String),
    #[error(transparent)]
    Spi(#[from] SpiError),
}

/// What `profile_define` was given.
pub struct Definition {
    pub profile: String,
    pub source: pg_sys::Oid,
    pub key: String,
    pub time: String,
    pub features: Json,
}

/// Creates the profile and backfills it from the source's rows. Returns the profile
/// table's OID.
pub fn define(d: Definition) -> Result<pg_sys::Oid, ProfileError> {
    let features = spec::parse(&d.features)?;
    require_read_committed("profile_define")?;
    let names = Names::parse(&d.profile)?;
    if profiles::exists(&names.qualified)? {
        return Err(ProfileError::Exists(names.qualified));
    }
    let source = Source::describe(d.source)?;
    // Writers wait from here until the caller's transaction ends, so the backfill and
    // the triggers see every row exactly once.
    lock(&source)?;
    let search_path = resolve::search_path()?;
    let plan = resolve::plan(&names, &source, &d.key, &d.time, &features, search_path)?;
    for (kind, name) in [("table", &plan.table), ("view", &plan.view)] {
        if resolve::relation_exists(name)? {
            return Err(ProfileError::ObjectExists {
                kind,
                name: name.clone(),
            });
        }
    }
    for signature in [
        format!("{}(timestamptz)", plan.as_of),
        format!("{}()", plan.function),
    ] {
        if resolve::function_exists(&signature)? {
            return Err(ProfileError::ObjectExists {
                kind: "function",
                name: signature,
            });
        }
    }

    run(&sql::create_table(&plan))?;
    backfill("profile_define", &names.qualified, &source, &plan)?;
    let source_index = ensure_index(&source, &plan, &d.key)?;
    run(&sql::trigger_function(&plan))?;
    create_triggers(&source, &plan, &names, false)?;
    run(&sql::create_view(&plan))?;
    run(&sql::create_as_of(&plan))?;
    profiles::insert(&ProfileRow {
        name: names.qualified.clone(),
        schema: names.schema.clone(),
        table: names.table.clone(),
        source: source.oid,
        key: d.key,
        time: d.time,
        features: d.features,
        search_path: plan.search_path.clone(),
        source_index,
    })?;
    Ok(Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[plan.table.as_str().into()],
    )?
    .expect("the profile table was just created"))
}

/// Recomputes the whole profile from the source; returns the rows written. Partitions
/// added to the source since it was defined get their triggers.
pub fn rebuild(profile: &str) -> Result<i64, ProfileError> {
    require_read_committed("profile_rebuild")?;
    let row = find(profile)?;
    with_search_path(&row.search_path, || {
        let (source, plan) = plan_of(&row)?;
        lock(&source)?;
        let names = Names::new(&row.schema, &row.table);
        create_triggers(&source, &plan, &names, true)?;
        run(&format!("DELETE FROM {}", plan.table))?;
        backfill("profile_rebuild", &row.name, &source, &plan)
    })
}

/// Fills the empty profile table from the source; returns the rows written. On a large
/// source a NOTICE says how far it is, every `pg_persona.progress_interval` seconds.
fn backfill(
    what: &'static str,
    profile: &str,
    source: &Source,
    plan: &sql::Plan,
) -> Result<i64, ProfileError> {
    // The planner's estimate of the source's rows (its partitions' for a partitioned
    // table); -1 or 0 when it has never been vacuumed or analyzed.
    let estimate = select_one::<f64>(
        "SELECT sum(greatest(c.reltuples, 0))::float8 FROM pg_catalog.pg_class c
         WHERE c.oid = $1 OR c.oid IN (SELECT relid FROM pg_catalog.pg_partition_tree($1))",
        &[source.oid.into()],
    )?
    .unwrap_or(0.0) as i64;
    progress::backfill(what, profile, estimate, || run(&sql::backfill(plan)))
}

/// Creates the profile's triggers on the source and on each of its partitions; with
/// `missing_only`, only on those that do not have them yet.
fn create_triggers(
    source: &Source,
    plan: &sql::Plan,
    names: &Names,
    missing_only: bool,
) -> Result<(), ProfileError> {
    for (table, partition) in &source.tree {
        if missing_only {
            let present = select_one::<bool>(
                "SELECT EXISTS (SELECT FROM pg_catalog.pg_trigger
                                WHERE tgrelid = pg_catalog.to_regclass($1) AND tgname = $2)",
                &[
                    table.as_str().into(),
                    names.insert_trigger().as_str().into(),
                ],
            )?;
            if present == Some(true) {
                continue;
            }
        }
        for statement in sql::create_triggers(plan, table, &names.triggers, *partition) {
            run(&statement)?;
        }
    }
    Ok(())
}

/// The number of keys whose stored profile differs from a recomputation from the source.
pub fn verify(profile: &str) -> Result<i64, ProfileError> {
    let row = find(profile)?;
    with_search_path(&row.search_path, || {
        let (_, plan) = plan_of(&row)?;
        Ok(Spi::get_one::<i64>(&sql::verify(&plan))?.unwrap_or(0))
    })
}

/// Drops the triggers and every object `profile_define` created, and the definition.
pub fn undefine(profile: &str) -> Result<(), ProfileError> {
    let row = find(profile)?;
    let names = Names::new(&row.schema, &row.table);
    match Source::describe(row.source) {
        Ok(source) => {
            lock(&source)?;
            for (table, _) in &source.tree {
                for trigger in names.triggers.all() {
                    run(&format!("DROP TRIGGER IF EXISTS {trigger} ON {table}"))?;
                }
            }
        }
        // Dropping the source dropped its triggers.
        Err(ProfileError::SourceGone(_)) => {}
        Err(e) => return Err(e),
    }
    // What is already gone (dropped with the source, or by hand) is skipped quietly.
    let as_of = format!("{}(timestamptz)", names.as_of);
    if resolve::function_exists(&as_of)? {
        run(&format!("DROP FUNCTION {as_of}"))?;
    }
    for (kind, name) in [("VIEW", &names.view), ("TABLE", &names.qualified)] {
        if resolve::relation_exists(name)? {
            run(&format!("DROP {kind} {name}"))?;
        }
    }
    let function = format!("{}()", names.function);
    if resolve::function_exists(&function)? {
        run(&format!("DROP FUNCTION {function}"))?;
    }
    if let Some(index) = &row.source_index {
        if resolve::relation_exists(index)? {
            run(&format!("DROP INDEX {index}"))?;
        }
    }
    profiles::delete(&row.name)?;
    Ok(())
}

fn find(profile: &str) -> Result<ProfileRow, ProfileError> {
    profiles::find(profile)?.ok_or_else(|| ProfileError::UnknownProfile(profile.to_string()))
}

/// The stored definition planned again against the source as it is now.
fn plan_of(row: &ProfileRow) -> Result<(Source, sql::Plan), ProfileError> {
    let source = Source::describe(row.source).map_err(|e| match e {
        ProfileError::SourceGone(_) => ProfileError::SourceGone(row.name.clone()),
        e => e,
    })?;
    let names = Names::new(&row.schema, &row.table);
    let features = spec::parse(&row.features)?;
    let plan = resolve::plan(
        &names,
        &source,
        &row.key,
        &row.time,
        &features,
        row.search_path.clone(),
    )?;
    Ok((source, plan))
}

/// Runs a statement; returns the rows it processed.
fn run(statement: &str) -> Result<i64, ProfileError> {
    Ok(Spi::connect_mut(|client| {
        client.update(statement, None, &[]).map(|t| t.len() as i64)
    })?)
}

/// Keeps writers of the source (and its partitions) out until the transaction ends;
/// readers go on.
fn lock(source: &Source) -> Result<(), ProfileError> {
    run(&format!(
        "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
        source.qualified
    ))?;
    Ok(())
}

/// A snapshot taken before the source was locked would miss rows committed in between.
fn require_read_committed(what: &'static str) -> Result<(), ProfileError> {
    let level =
        Spi::get_one::<String>("SELECT pg_catalog.current_setting('transaction_isolation')")?;
    if level.as_deref() != Some("read committed") {
        return Err(ProfileError::Isolation(what));
    }
    Ok(())
}

/// Runs `f` with the search path the profile's functions pin, then restores the
/// caller's (an error aborts the transaction, which restores it too).
fn with_search_path<T>(
    path: &str,
    f: impl FnOnce() -> Result<T, ProfileError>,
) -> Result<T, ProfileError> {
    let set = |value: &str| {
        Spi::run_with_args(
            "SELECT pg_catalog.set_config('search_path', $1, true)",
            &[value.into()],
        )
    };
    let caller = Spi::get_one::<String>("SELECT pg_catalog.current_setting('search_path')")?
        .unwrap_or_default();
    set(path)?;
    let result = f();
    set(&caller)?;
    result
}

/// An index on the source that leads with the key, which recomputing a key's extremes
/// and reading windows need: an existing one, or one created on (key, time). Returns
/// the index created, if any.
fn ensure_index(
    source: &Source,
    plan: &sql::Plan,
    key: &str,
) -> Result<Option<String>, ProfileError> {
    let attnum = source.key_attnum(key)?;
    let find = || {
        select_one::<String>(
            "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
             FROM pg_catalog.pg_index i
             JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_catalog.pg_am a ON a.oid = c.relam
             WHERE i.indrelid = $1 AND i.indkey[0] = $2 AND a.amname = 'btree'
               AND i.indpred IS NULL
             ORDER BY i.indexrelid
             LIMIT 1",
            &[source.oid.into(), attnum.into()],
        )
    };
    if find()?.is_some() {
        return Ok(None);
    }
    run(&format!(
        "CREATE INDEX ON {} ({}, {})",
        source.qualified, plan.key, plan.time
    ))?;
    let created = find()?;
    if let Some(name) = &created {
        notice!(
            "profile_define: created index {name} on {} ({}, {})",
            source.display,
            plan.key,
            plan.time
        );
    }
    Ok(created)
}
