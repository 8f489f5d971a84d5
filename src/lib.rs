//! pg_persona: user profiles kept exact by triggers, and models trained, deployed and
//! scored in SQL, inside PostgreSQL.
//!
//! This file only wires the crate together and registers the settings (`config`):
//! - `api`: the SQL-facing layer (`#[pg_extern]` functions) and the conversion of every
//!   domain error into a Postgres error;
//! - `ml`: the learning code, plain Rust with no Postgres in it;
//! - `catalog`: the catalog tables in the `persona` schema (models, deployments,
//!   profile definitions);
//! - `dataset`: reading training data out of any relation, as the caller;
//! - `scoring`: turning rows into model inputs, and the per-backend model cache;
//! - `training`: what profile_train does, from reading the relation to deploying;
//! - `profile`: the real-time profiles and their triggers;
//! - `progress`: the NOTICEs long calls give as they go.
//!
//! Hand-written DDL lives in `sql/` and is loaded here.

::pgrx::pg_module_magic!(name, version);

mod api;
mod catalog;
mod config;
mod dataset;
pub mod ml;
mod profile;
mod progress;
mod scoring;
mod training;

// The `persona` schema, first; the catalog tables; grants once every function exists.
::pgrx::extension_sql_file!("../sql/bootstrap.sql", name = "bootstrap", bootstrap);
::pgrx::extension_sql_file!(
    "../sql/catalog.sql",
    name = "catalog",
    requires = ["bootstrap"]
);
::pgrx::extension_sql_file!(
    "../sql/profiles.sql",
    name = "profiles",
    requires = ["bootstrap"]
);
::pgrx::extension_sql_file!("../sql/finalize.sql", finalize);

#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    config::register();
}

#[cfg(test)]
pub mod pg_test;
