//! Operating models: `profile_deploy`, `profile_rollback`, `profile_drop`.

use pgrx::prelude::*;

use super::error::OrRaise;
use crate::catalog::{deployments, models, ModelRef};
use crate::scoring::catalog_changed;

/// Deploys version `version` of `model`: from the next statement on, every session
/// scores `model` with it.
#[pg_extern(volatile)]
fn profile_deploy(model: &str, version: i32) {
    crate::catalog::check_name(model).or_raise();
    let reference = ModelRef {
        name: model.to_string(),
        version: Some(version),
    };
    let id = models::resolve(&reference).or_raise();
    deployments::deploy(model, id, "profile_deploy").or_raise();
    catalog_changed();
}

/// Redeploys the version deployed before the current one and returns its number.
#[pg_extern(volatile)]
fn profile_rollback(model: &str) -> i32 {
    let version = deployments::rollback(model).or_raise();
    catalog_changed();
    version
}

/// Removes every version of `model` and its deploy history.
#[pg_extern(volatile)]
fn profile_drop(model: &str) {
    models::drop(model).or_raise();
    catalog_changed();
}
