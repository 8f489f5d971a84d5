//! The model catalog: `persona.models` (one row per trained version) and
//! `persona.deployments` (the deploy history; the latest row per name is deployed).
//! Reads run as the caller (the tables are readable by PUBLIC); writes run as the
//! extension's owner (see `owner`), so callers need no rights on `persona.*`.

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::SpiError;

pub mod deployments;
pub mod models;
mod owner;
pub mod profiles;

pub use owner::as_extension_owner;

/// Why a catalog operation cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("model \"{0}\" does not exist")]
    UnknownModel(String),
    #[error("model \"{name}\" has no version {version}")]
    UnknownVersion { name: String, version: i32 },
    #[error("model \"{0}\" has no deployed version")]
    NoDeployedVersion(String),
    #[error("model \"{0}\" has no earlier deployed version to roll back to")]
    NothingToRollBack(String),
    #[error("invalid model name \"{0}\"")]
    BadName(String),
    #[error("model \"{name}\" version {version} cannot be read: {reason}")]
    Corrupt {
        name: String,
        version: i32,
        reason: String,
    },
    #[error(transparent)]
    Spi(#[from] pgrx::spi::SpiError),
}

/// A model reference as SQL users write it: `name` (the deployed version) or
/// `name@version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    pub name: String,
    pub version: Option<i32>,
}

impl ModelRef {
    pub fn parse(text: &str) -> Result<Self, CatalogError> {
        let bad = || CatalogError::BadName(text.to_string());
        match text.rsplit_once('@') {
            None if !text.is_empty() => Ok(ModelRef {
                name: text.to_string(),
                version: None,
            }),
            Some((name, version)) if !name.is_empty() && !name.contains('@') => Ok(ModelRef {
                name: name.to_string(),
                version: Some(version.parse().ok().filter(|v| *v > 0).ok_or_else(bad)?),
            }),
            _ => Err(bad()),
        }
    }
}

/// The first column of the first row of `query`, or `None` when it returns no row.
pub(crate) fn select_one<T: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> Result<Option<T>, SpiError> {
    Spi::connect(|client| {
        let rows = client.select(query, Some(1), args)?;
        if rows.is_empty() {
            Ok(None)
        } else {
            rows.first().get_one::<T>()
        }
    })
}

/// A model name as `profile_train` accepts it: not empty, no `@`.
pub fn check_name(name: &str) -> Result<(), CatalogError> {
    if name.is_empty() || name.contains('@') {
        return Err(CatalogError::BadName(name.to_string()));
    }
    Ok(())
}
