//! The SQL-facing layer: thin `#[pg_extern]` functions that take SQL arguments apart,
//! call the domain code and raise its errors as Postgres errors (see `error`). Nothing
//! below this layer knows about SQL argument shapes.

mod error;
mod explain;
mod manage;
mod metrics;
mod profile;
mod score;
mod train;
mod version;

#[cfg(any(test, feature = "pg_test"))]
mod testing;
