//! `persona.deployments`: the deploy history. The latest row of a name is its deployed
//! version; deploying or rolling back appends a row, so the history is never rewritten.

use pgrx::prelude::*;

use super::{as_extension_owner, select_one, CatalogError};

/// The id of the deployed version of `name`, if any.
pub fn deployed(name: &str) -> Result<Option<i64>, CatalogError> {
    Ok(select_one::<i64>(
        "SELECT model_id FROM persona.deployments WHERE name = $1 ORDER BY id DESC LIMIT 1",
        &[name.into()],
    )?)
}

/// Makes model `model_id` the deployed version of `name`.
pub fn deploy(name: &str, model_id: i64, reason: &str) -> Result<(), CatalogError> {
    let caller = Spi::get_one::<String>("SELECT current_user::text")?.unwrap_or_default();
    as_extension_owner(|| {
        Spi::connect_mut(|client| {
            client.update(
                "INSERT INTO persona.deployments (name, model_id, deployed_by, reason)
                 VALUES ($1, $2, $3::name, $4)",
                None,
                &[
                    name.into(),
                    model_id.into(),
                    caller.as_str().into(),
                    reason.into(),
                ],
            )?;
            Ok(())
        })
    })
}

/// Redeploys the version deployed before the current one; returns its version number.
pub fn rollback(name: &str) -> Result<i32, CatalogError> {
    let current = deployed(name)?.ok_or_else(|| {
        if super::models::latest(name).is_ok() {
            CatalogError::NoDeployedVersion(name.to_string())
        } else {
            CatalogError::UnknownModel(name.to_string())
        }
    })?;
    let previous = select_one::<i64>(
        "SELECT d.model_id
         FROM persona.deployments d
         WHERE d.name = $1 AND d.model_id <> $2
         ORDER BY d.id DESC LIMIT 1",
        &[name.into(), current.into()],
    )?;
    let Some(id) = previous else {
        return Err(CatalogError::NothingToRollBack(name.to_string()));
    };
    let version = select_one::<i32>(
        "SELECT version FROM persona.models WHERE id = $1",
        &[id.into()],
    )?
    .unwrap_or_default();
    deploy(name, id, "rollback")?;
    Ok(version)
}
