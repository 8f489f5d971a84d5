//! From what `profile_define` was given to a `Plan`: the names of the objects to create,
//! the source's columns and partitions, and every feature expression checked by
//! Postgres against the source, with the type of its aggregate.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::spi::SpiError;
use pgrx::PgTryBuilder;

use super::spec::{Feature, Func, MAX_IDENTIFIER};
use super::sql::{Plan, PlannedFeature, Triggers};
use super::ProfileError;
use crate::catalog::select_one;
use crate::dataset::quote_ident;

/// The longest suffix added to a profile's name (`_truncate`, a trigger's).
const LONGEST_SUFFIX: &str = "_truncate";

/// The columns every profile has besides its key and features.
pub const BUILT_IN_COLUMNS: [&str; 5] = [
    "events",
    "first_seen",
    "last_seen",
    "recency_days",
    "tenure_days",
];

/// The names of the objects a profile consists of.
#[derive(Debug, Clone)]
pub struct Names {
    /// `schema.table` as the catalog keys it: `format('%I.%I', ...)`.
    pub qualified: String,
    pub schema: String,
    pub table: String,
    pub view: String,
    pub as_of: String,
    pub function: String,
    pub triggers: Triggers,
}

impl Names {
    /// The names of the profile table `table` in `schema` (both unquoted).
    pub fn new(schema: &str, table: &str) -> Self {
        let s = quote_ident(schema);
        let object = |suffix: &str| format!("{s}.{}", quote_ident(&format!("{table}{suffix}")));
        let trigger = |suffix: &str| quote_ident(&format!("{table}{suffix}"));
        Names {
            qualified: format!("{s}.{}", quote_ident(table)),
            schema: schema.to_string(),
            table: table.to_string(),
            view: object("_now"),
            as_of: object("_as_of"),
            function: object("_maintain"),
            triggers: Triggers {
                insert: trigger("_insert"),
                update: trigger("_update"),
                delete: trigger("_delete"),
                truncate: trigger("_truncate"),
            },
        }
    }

    /// The insert trigger's name, unquoted, as pg_trigger has it.
    pub fn insert_trigger(&self) -> String {
        format!("{}_insert", self.table)
    }

    /// From the `profile` argument: `name` (created in the current schema) or
    /// `schema.name`.
    pub fn parse(profile: &str) -> Result<Self, ProfileError> {
        let parts = Spi::get_one_with_args::<Vec<String>>(
            "SELECT pg_catalog.parse_ident($1)",
            &[profile.into()],
        )?
        .unwrap_or_default();
        let (schema, table) = match parts.as_slice() {
            [table] => {
                let schema = Spi::get_one::<String>("SELECT pg_catalog.current_schema()::text")?
                    .ok_or_else(|| ProfileError::NoSchema(profile.to_string()))?;
                (schema, table.clone())
            }
            [schema, table] => (schema.clone(), table.clone()),
            _ => return Err(ProfileError::BadName(profile.to_string())),
        };
        if table.len() + LONGEST_SUFFIX.len() > MAX_IDENTIFIER {
            return Err(ProfileError::NameTooLong {
                name: table,
                max: MAX_IDENTIFIER - LONGEST_SUFFIX.len(),
            });
        }
        Ok(Names::new(&schema, &table))
    }
}

/// The source table as the plan needs it.
#[derive(Debug, Clone)]
pub struct Source {
    pub oid: pg_sys::Oid,
    /// Schema-qualified and quoted.
    pub qualified: String,
    /// The name to show in messages.
    pub display: String,
    /// The source and every partition below it: (qualified name, is a partition).
    pub tree: Vec<(String, bool)>,
}

impl Source {
    pub fn describe(oid: pg_sys::Oid) -> Result<Self, ProfileError> {
        let header = Spi::connect(|client| {
            let rows = client.select(
                "SELECT c.oid::regclass::text, pg_catalog.format('%I.%I', n.nspname, c.relname),
                        c.relkind::text
                 FROM pg_catalog.pg_class c
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.oid = $1",
                Some(1),
                &[oid.into()],
            )?;
            if rows.is_empty() {
                return Ok(None);
            }
            let row = rows.first();
            Ok::<_, SpiError>(Some((
                row.get::<String>(1)?.unwrap_or_default(),
                row.get::<String>(2)?.unwrap_or_default(),
                row.get::<String>(3)?,
            )))
        })?;
        let Some((display, qualified, relkind)) = header else {
            return Err(ProfileError::SourceGone(oid.to_u32().to_string()));
        };
        if !matches!(relkind.as_deref(), Some("r" | "p")) {
            return Err(ProfileError::NotATable(display));
        }
        let mut tree = Spi::connect(|client| {
            client
                .select(
                    "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), t.level > 0
                     FROM pg_catalog.pg_partition_tree($1) AS t
                     JOIN pg_catalog.pg_class c ON c.oid = t.relid
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     ORDER BY t.level, c.oid",
                    None,
                    &[oid.into()],
                )?
                .map(|row| {
                    Ok((
                        row.get::<String>(1)?.unwrap_or_default(),
                        row.get::<bool>(2)?.unwrap_or(false),
                    ))
                })
                .collect::<Result<Vec<_>, SpiError>>()
        })?;
        // A table outside any partition tree has no rows in pg_partition_tree.
        if tree.is_empty() {
            tree.push((qualified.clone(), false));
        }
        Ok(Source {
            oid,
            qualified,
            display,
            tree,
        })
    }

    /// The type of column `name` (with its modifier) and the OID of its base type.
    fn column(&self, name: &str) -> Result<(String, pg_sys::Oid, i16), ProfileError> {
        let found = Spi::connect(|client| {
            let rows = client.select(
                "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod),
                        CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END,
                        a.attnum
                 FROM pg_catalog.pg_attribute a
                 JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                 WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0
                   AND NOT a.attisdropped",
                None,
                &[self.oid.into(), name.into()],
            )?;
            if rows.is_empty() {
                return Ok(None);
            }
            let row = rows.first();
            Ok::<_, SpiError>(Some((
                row.get::<String>(1)?.unwrap_or_default(),
                row.get::<pg_sys::Oid>(2)?.unwrap_or(pg_sys::InvalidOid),
                row.get::<i16>(3)?.unwrap_or(0),
            )))
        })?;
        found.ok_or_else(|| ProfileError::UnknownColumn {
            relation: self.display.clone(),
            column: name.to_string(),
        })
    }

    /// The attribute number of the key column, for finding an index that leads with it.
    pub fn key_attnum(&self, key: &str) -> Result<i16, ProfileError> {
        Ok(self.column(key)?.2)
    }
}

/// The search path the generated functions pin: the caller's, with pg_catalog first and
/// pg_temp last, so every call resolves names as `profile_define` checked them.
pub fn search_path() -> Result<String, ProfileError> {
    let schemas = Spi::get_one::<String>(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(s), ', ' ORDER BY o)
         FROM pg_catalog.unnest(pg_catalog.current_schemas(false)) WITH ORDINALITY AS t(s, o)
         WHERE s <> 'pg_catalog'",
    )?;
    Ok(match schemas {
        Some(s) if !s.is_empty() => format!("pg_catalog, {s}, pg_temp"),
        _ => "pg_catalog, pg_temp".to_string(),
    })
}

const NUMERIC_TYPES: [&str; 6] = [
    "smallint",
    "integer",
    "bigint",
    "numeric",
    "real",
    "double precision",
];

/// Checks the key, the time column and every feature against the source, and plans the
/// profile.
pub fn plan(
    names: &Names,
    source: &Source,
    key: &str,
    time: &str,
    features: &[Feature],
    search_path: String,
) -> Result<Plan, ProfileError> {
    let (key_type, _, _) = source.column(key)?;
    let (time_type, time_base, _) = source.column(time)?;
    use pg_sys::BuiltinOid::*;
    if !matches!(
        pg_sys::BuiltinOid::from_u32(time_base.to_u32()),
        Ok(TIMESTAMPTZOID | TIMESTAMPOID | DATEOID)
    ) {
        return Err(ProfileError::BadTimeType {
            relation: source.display.clone(),
            column: time.to_string(),
            type_name: time_type,
        });
    }
    check_names(key, features)?;

    let mut planned = Vec::with_capacity(features.len());
    for f in features {
        let a = &f.aggregate;
        let arg = a.arg.as_ref().map(|e| format!("({e})"));
        let call = match &arg {
            Some(arg) => format!("{}({arg})", a.func.name()),
            None => "count(*)".to_string(),
        };
        let call = match &a.filter {
            Some(c) => format!("{call} FILTER (WHERE ({c}))"),
            None => call,
        };
        let sql_type = checked(&f.name, || {
            Spi::get_one::<String>(&format!(
                "SELECT pg_catalog.pg_typeof({call})::text FROM {} WHERE false",
                source.qualified
            ))
        })?
        .unwrap_or_default();
        if matches!(a.func, Func::Sum | Func::Avg) && !NUMERIC_TYPES.contains(&sql_type.as_str()) {
            return Err(ProfileError::NotNumeric {
                feature: f.name.clone(),
                func: a.func.name(),
                type_name: sql_type,
            });
        }
        let window = match &f.window {
            None => None,
            Some(w) => {
                let bad = |reason: String, sqlstate| ProfileError::BadWindow {
                    feature: f.name.clone(),
                    window: w.clone(),
                    reason,
                    sqlstate,
                };
                let positive = in_subtransaction(|| {
                    Spi::get_one_with_args::<bool>(
                        "SELECT CAST($1 AS interval) > interval '0'",
                        &[w.as_str().into()],
                    )
                })
                .map_err(|(sqlstate, message)| bad(format!(": {message}"), sqlstate))??;
                if positive != Some(true) {
                    return Err(bad(
                        String::new(),
                        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                    ));
                }
                Some(format!("CAST({} AS interval)", quote_literal(w)))
            }
        };
        let avg_state = (a.func == Func::Avg && window.is_none()).then(|| {
            (
                quote_ident(&format!("{}__sum", f.name)),
                quote_ident(&format!("{}__count", f.name)),
            )
        });
        planned.push(PlannedFeature {
            column: quote_ident(&f.name),
            func: a.func,
            arg: a.arg.clone(),
            filter: a.filter.clone(),
            window,
            sql_type,
            avg_state,
        });
    }

    Ok(Plan {
        table: names.qualified.clone(),
        view: names.view.clone(),
        as_of: names.as_of.clone(),
        function: names.function.clone(),
        source: source.qualified.clone(),
        key: quote_ident(key),
        key_type,
        time: quote_ident(time),
        time_type,
        features: planned,
        search_path,
    })
}

/// Feature names must not clash with the key, the built-in columns or the state columns
/// of an average.
fn check_names(key: &str, features: &[Feature]) -> Result<(), ProfileError> {
    let mut taken: Vec<(String, String)> = vec![(key.to_string(), "the key column".into())];
    for name in BUILT_IN_COLUMNS {
        taken.push((name.to_string(), format!("the built-in column \"{name}\"")));
    }
    for f in features {
        if f.aggregate.func == Func::Avg && f.window.is_none() {
            for suffix in ["__sum", "__count"] {
                let state = format!("{}{suffix}", f.name);
                if state.len() > MAX_IDENTIFIER {
                    return Err(ProfileError::Clash {
                        feature: f.name.clone(),
                        with: format!(
                            "the limit of {MAX_IDENTIFIER} bytes for its state column \"{state}\""
                        ),
                    });
                }
                taken.push((state, format!("the state column of average \"{}\"", f.name)));
            }
        }
    }
    for f in features {
        if let Some((_, what)) = taken.iter().find(|(n, _)| *n == f.name) {
            return Err(ProfileError::Clash {
                feature: f.name.clone(),
                with: what.clone(),
            });
        }
    }
    Ok(())
}

fn quote_literal(text: &str) -> String {
    Spi::get_one_with_args::<String>("SELECT pg_catalog.quote_literal($1)", &[text.into()])
        .ok()
        .flatten()
        .unwrap_or_else(|| "NULL".to_string())
}

/// Runs `f` in a subtransaction. A Postgres error it raises is rolled back and returned
/// as the error of feature `feature`, keeping its SQLSTATE.
fn checked<T>(feature: &str, f: impl FnOnce() -> Result<T, SpiError>) -> Result<T, ProfileError> {
    match in_subtransaction(f) {
        Ok(result) => Ok(result?),
        Err((sqlstate, message)) => Err(ProfileError::Expression {
            feature: feature.to_string(),
            sqlstate,
            message,
        }),
    }
}

/// Runs `f` inside an internal subtransaction, the way PL/pgSQL runs a block with an
/// EXCEPTION clause: on a Postgres error the subtransaction is rolled back and the
/// error returned, leaving the transaction usable.
fn in_subtransaction<T>(f: impl FnOnce() -> T) -> Result<T, (PgSqlErrorCode, String)> {
    // SAFETY: the subtransaction begun here is released or rolled back before returning
    // (a Rust panic propagates and aborts the transaction, which ends it too), and the
    // caller's memory context and resource owner are restored after either.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let result = PgTryBuilder::new(AssertUnwindSafe(|| Ok(f())))
            .catch_others(|caught| match caught {
                CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => {
                    Err((report.sql_error_code(), report.message().to_string()))
                }
                panic @ CaughtError::RustPanic { .. } => panic.rethrow(),
            })
            .execute();
        if result.is_ok() {
            pg_sys::ReleaseCurrentSubTransaction();
        } else {
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
        }
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        result
    }
}

/// Whether a relation or function named `name` (quoted, qualified) exists.
pub fn relation_exists(name: &str) -> Result<bool, ProfileError> {
    Ok(select_one::<bool>(
        "SELECT pg_catalog.to_regclass($1) IS NOT NULL",
        &[name.into()],
    )?
    .unwrap_or(false))
}

pub fn function_exists(signature: &str) -> Result<bool, ProfileError> {
    Ok(select_one::<bool>(
        "SELECT pg_catalog.to_regprocedure($1) IS NOT NULL",
        &[signature.into()],
    )?
    .unwrap_or(false))
}
