//! `persona.models`: one row per trained version.

use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value as Json;

use super::{as_extension_owner, select_one, CatalogError, ModelRef};
use crate::ml::model::Model;

/// A version about to be stored.
pub struct NewVersion<'a> {
    pub name: &'a str,
    pub relation: &'a str,
    pub target: &'a str,
    pub spec: Json,
    pub options: Json,
    pub positive_class: Option<&'a str>,
    pub hyperparameters: Json,
    pub metrics: Json,
    pub rows: [i64; 3],
    pub model: &'a Model,
}

/// A stored version.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    pub name: String,
    pub version: i32,
    pub relation: String,
    pub target: String,
    pub spec: Json,
    pub options: Json,
    pub metrics: Json,
    pub model: Model,
}

/// Stores a new version of `v.name`, numbered one past the highest so far, and returns
/// its id and version. Concurrent trainings of one name are serialized by an advisory
/// lock held to the end of the transaction.
pub fn insert(v: &NewVersion<'_>) -> Result<(i64, i32), CatalogError> {
    let caller = Spi::get_one::<String>("SELECT current_user::text")?.unwrap_or_default();
    let model_json = serde_json::to_value(v.model).expect("models serialize");
    let features = model_json["features"].clone();
    let classes = Json::from(v.model.classes.clone());
    as_extension_owner(|| {
        Spi::connect_mut(|client| {
            client.update(
                "SELECT pg_catalog.pg_advisory_xact_lock(
                            pg_catalog.hashtextextended('pg_persona.models:' || $1, 0))",
                None,
                &[v.name.into()],
            )?;
            let row = client.update(
                "INSERT INTO persona.models
                    (name, version, algorithm, task, relation, target, features, spec,
                     options, positive_class, classes, hyperparameters, metrics,
                     train_rows, validation_rows, test_rows, trained_by, model)
                 SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7,
                        $8, $9, $10, $11, $12, $13, $14, $15, $16::name, $17
                 FROM persona.models WHERE name = $1
                 RETURNING id, version",
                Some(1),
                &[
                    v.name.into(),
                    v.model.algorithm.name().into(),
                    v.model.task.name().into(),
                    v.relation.into(),
                    v.target.into(),
                    JsonB(features).into(),
                    JsonB(v.spec.clone()).into(),
                    JsonB(v.options.clone()).into(),
                    v.positive_class.into(),
                    JsonB(classes).into(),
                    JsonB(v.hyperparameters.clone()).into(),
                    JsonB(v.metrics.clone()).into(),
                    v.rows[0].into(),
                    v.rows[1].into(),
                    v.rows[2].into(),
                    caller.as_str().into(),
                    JsonB(model_json.clone()).into(),
                ],
            )?;
            let row = row.first();
            Ok((
                row.get::<i64>(1)?.expect("id"),
                row.get::<i32>(2)?.expect("version"),
            ))
        })
    })
}

/// The id of the version `r` names: the deployed one, or `name@version`.
pub fn resolve(r: &ModelRef) -> Result<i64, CatalogError> {
    match r.version {
        Some(version) => select_one::<i64>(
            "SELECT id FROM persona.models WHERE name = $1 AND version = $2",
            &[r.name.as_str().into(), version.into()],
        )?
        .ok_or_else(|| missing(&r.name, Some(version))),
        None => super::deployments::deployed(&r.name)?.ok_or_else(|| missing(&r.name, None)),
    }
}

/// The error for a name or version that resolves to nothing: is the model unknown, or
/// only that version / a deployment?
fn missing(name: &str, version: Option<i32>) -> CatalogError {
    let exists = Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT 1 FROM persona.models WHERE name = $1)",
        &[name.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    match (exists, version) {
        (false, _) => CatalogError::UnknownModel(name.to_string()),
        (true, Some(version)) => CatalogError::UnknownVersion {
            name: name.to_string(),
            version,
        },
        (true, None) => CatalogError::NoDeployedVersion(name.to_string()),
    }
}

/// Loads a stored version by id.
pub fn load(id: i64) -> Result<StoredVersion, CatalogError> {
    Spi::connect(|client| {
        let rows = client.select(
            "SELECT name, version, relation, target, spec, options, metrics, model
             FROM persona.models WHERE id = $1",
            None,
            &[id.into()],
        )?;
        if rows.is_empty() {
            return Err(CatalogError::UnknownModel(format!("id {id}")));
        }
        let row = rows.first();
        let name: String = row.get(1)?.unwrap_or_default();
        let version: i32 = row.get(2)?.unwrap_or_default();
        let json = |i: usize| -> Result<Json, CatalogError> {
            Ok(row.get::<JsonB>(i)?.map(|j| j.0).unwrap_or(Json::Null))
        };
        let model: Model = serde_json::from_value(json(8)?).map_err(|e| CatalogError::Corrupt {
            name: name.clone(),
            version,
            reason: e.to_string(),
        })?;
        Ok(StoredVersion {
            relation: row.get(3)?.unwrap_or_default(),
            target: row.get(4)?.unwrap_or_default(),
            spec: json(5)?,
            options: json(6)?,
            metrics: json(7)?,
            model,
            name,
            version,
        })
    })
}

/// The id of the newest version of `name`.
pub fn latest(name: &str) -> Result<i64, CatalogError> {
    select_one::<i64>(
        "SELECT id FROM persona.models WHERE name = $1 ORDER BY version DESC LIMIT 1",
        &[name.into()],
    )?
    .ok_or_else(|| CatalogError::UnknownModel(name.to_string()))
}

/// Removes every version of `name` and its deploy history; returns how many versions.
pub fn drop(name: &str) -> Result<i64, CatalogError> {
    let removed = as_extension_owner(|| {
        Spi::connect_mut(|client| -> Result<i64, CatalogError> {
            client.update(
                "DELETE FROM persona.deployments WHERE name = $1",
                None,
                &[name.into()],
            )?;
            let rows = client.update(
                "WITH gone AS (DELETE FROM persona.models WHERE name = $1 RETURNING 1)
                 SELECT count(*) FROM gone",
                None,
                &[name.into()],
            )?;
            Ok(rows.first().get::<i64>(1)?.unwrap_or(0))
        })
    })?;
    if removed == 0 {
        return Err(CatalogError::UnknownModel(name.to_string()));
    }
    Ok(removed)
}
