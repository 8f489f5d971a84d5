//! `profile_evaluate`: a stored model measured on any labelled relation.

use pgrx::prelude::*;
use serde_json::Value as Json;

use super::ScoringError;
use crate::catalog::{models, ModelRef};
use crate::dataset::{self, DatasetError, Kind, TargetKind};
use crate::ml::evaluate::evaluate;
use crate::ml::model::Task;
use crate::ml::preprocess::Encoder;

/// The metrics of the version `model` names on every row of relation `relid` whose
/// target is not NULL, with `model` (`name@version`) and `skipped_rows` added.
pub fn evaluate_on(model: &str, relid: pg_sys::Oid) -> Result<Json, ScoringError> {
    let reference = ModelRef::parse(model)?;
    let stored = models::load(models::resolve(&reference)?)?;
    let info = dataset::describe(relid)?;

    // Every feature must be a column of a kind the model can encode.
    let mut features = Vec::with_capacity(stored.model.features.len());
    for f in &stored.model.features {
        let column = info.column(&f.name)?;
        let fits = matches!(
            (&f.encoder, column.kind),
            (Encoder::Numeric { .. } | Encoder::Number, Kind::Numeric)
                | (Encoder::Boolean { .. } | Encoder::Flag, Kind::Boolean)
                | (Encoder::Categorical(_), Kind::Categorical)
        );
        if !fits {
            return Err(DatasetError::UnsupportedType {
                relation: info.display.clone(),
                column: f.name.clone(),
                type_name: column.type_name.clone(),
                role: "value of this feature",
            }
            .into());
        }
        features.push((f.name.clone(), column.kind));
    }
    let target_column = info.column(&stored.target)?;
    let target_kind = match (stored.model.task, target_column.kind) {
        (Task::Regression, _) => TargetKind::Number,
        (_, Kind::Boolean) => TargetKind::Bool,
        _ => TargetKind::Text,
    };
    let data = dataset::read(
        &info,
        &features,
        Some((&stored.target, target_kind)),
        None,
        &mut |_| {},
    )?;
    let target = data.target.as_ref().expect("the target was read");
    let mut metrics = evaluate(&stored.model, &data.features, target, None)?;
    if let Json::Object(m) = &mut metrics {
        m.insert(
            "model".into(),
            Json::from(format!("{}@{}", stored.name, stored.version)),
        );
        m.insert("skipped_rows".into(), Json::from(data.skipped));
    }
    Ok(metrics)
}
