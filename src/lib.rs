//! pg_persona: user profiles kept exact by triggers, and models trained, deployed and
//! scored in SQL, inside PostgreSQL.
//!
//! This file only wires the crate together:
//! - `api`: the SQL-facing layer (`#[pg_extern]` functions) and the conversion of every
//!   domain error into a Postgres error;
//! - `ml`: the learning code, plain Rust with no Postgres in it;
//! - `catalog`: the model catalog (tables in the `persona` schema);
//! - `profile`: the real-time profiles and their triggers.
//!
//! Hand-written DDL lives in `sql/` and is loaded here.

::pgrx::pg_module_magic!(name, version);

mod api;
mod catalog;
pub mod ml;
mod profile;

// The `persona` schema and everything else the generated SQL depends on.
::pgrx::extension_sql_file!("../sql/bootstrap.sql", bootstrap);

#[cfg(test)]
pub mod pg_test;
