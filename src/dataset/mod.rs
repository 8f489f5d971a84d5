//! Reading training and evaluation data out of any table, view or materialized view, with
//! the caller's privileges: which columns can be features, and their values as the
//! learning code takes them.

mod columns;
mod read;

pub use columns::{describe, quote_ident, Kind};
pub use read::{read, Sample, TargetKind};

/// Why a relation cannot be read as training data.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("relation with OID {0} does not exist")]
    NoSuchRelation(u32),
    #[error("\"{relation}\" is not a table, view or materialized view")]
    NotARelation { relation: String },
    #[error("column \"{column}\" does not exist in {relation}")]
    UnknownColumn { relation: String, column: String },
    #[error("column \"{column}\" of {relation} has type {type_name}, which cannot be a {role}")]
    UnsupportedType {
        relation: String,
        column: String,
        type_name: String,
        role: &'static str,
    },
    #[error("the target column \"{0}\" cannot also be a feature")]
    TargetIsFeature(String),
    #[error(transparent)]
    Spi(#[from] pgrx::spi::SpiError),
}
