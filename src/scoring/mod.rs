//! Scoring rows inside queries: resolving a model name to a version, caching the
//! deserialized model, and turning a row (any composite value, or a jsonb object) into
//! the model's feature values.
//!
//! Caching: a version's model never changes once stored, so deserialized models are
//! cached per backend by version id, for as long as the backend lives. Which version a
//! name means can change with any committed deploy, so each call site remembers that
//! resolution only for the statement being run: the next statement resolves again and
//! sees whatever has committed since, and a deploy that rolled back was never seen by
//! anyone else.

mod cache;
mod evaluate;
mod row;

pub use cache::{at_call_site, catalog_changed};
pub use evaluate::evaluate_on;
pub use row::{encode_composite, encode_jsonb};

use crate::catalog::CatalogError;
use crate::dataset::DatasetError;
use crate::ml::MlError;

#[derive(Debug, thiserror::Error)]
pub enum ScoringError {
    #[error("profile_score needs a row or a jsonb object, not a value of type {0}")]
    NotARow(String),
    #[error("feature \"{feature}\" of model \"{model}\" is missing from the input")]
    MissingFeature { model: String, feature: String },
    #[error("feature \"{feature}\" has type {type_name}, which model \"{model}\" cannot score")]
    UnsupportedType {
        model: String,
        feature: String,
        type_name: String,
    },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error(transparent)]
    Ml(#[from] MlError),
}
