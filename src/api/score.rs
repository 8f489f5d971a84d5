//! Scoring inside queries: `profile_score`, `profile_predict`, `profile_evaluate`.

use pgrx::prelude::*;
use pgrx::{AnyElement, JsonB, PgRelation};
use serde_json::Value as Json;

use super::error::OrRaise;
use crate::catalog::{models, ModelRef};
use crate::dataset::{self, DatasetError, Kind, TargetKind};
use crate::ml::evaluate::evaluate;
use crate::ml::model::Task;
use crate::ml::preprocess::Encoder;
use crate::scoring::{at_call_site, encode_composite, encode_jsonb};

/// The score of a row: the positive class's probability (binary), the most likely
/// class's probability (multiclass) or the predicted value (regression).
#[pg_extern(stable, parallel_safe, name = "profile_score")]
fn profile_score_row(model: &str, features: AnyElement, fcinfo: pg_sys::FunctionCallInfo) -> f64 {
    // SAFETY: pgrx hands the function its own fcinfo.
    let m = unsafe { at_call_site(fcinfo, model) }.or_raise();
    m.score(|m, x| encode_composite(m, &features, x)).or_raise()
}

/// The score of a jsonb object whose keys are the feature names.
#[pg_extern(stable, parallel_safe, name = "profile_score")]
fn profile_score_jsonb(model: &str, features: JsonB, fcinfo: pg_sys::FunctionCallInfo) -> f64 {
    // SAFETY: pgrx hands the function its own fcinfo.
    let m = unsafe { at_call_site(fcinfo, model) }.or_raise();
    m.score(|m, x| encode_jsonb(m, &features, x)).or_raise()
}

/// The predicted class label of a row (the predicted value as text for regression).
#[pg_extern(stable, parallel_safe, name = "profile_predict")]
fn profile_predict_row(
    model: &str,
    features: AnyElement,
    fcinfo: pg_sys::FunctionCallInfo,
) -> String {
    // SAFETY: pgrx hands the function its own fcinfo.
    let m = unsafe { at_call_site(fcinfo, model) }.or_raise();
    m.predict(|m, x| encode_composite(m, &features, x))
        .or_raise()
}

/// The predicted class label of a jsonb object.
#[pg_extern(stable, parallel_safe, name = "profile_predict")]
fn profile_predict_jsonb(model: &str, features: JsonB, fcinfo: pg_sys::FunctionCallInfo) -> String {
    // SAFETY: pgrx hands the function its own fcinfo.
    let m = unsafe { at_call_site(fcinfo, model) }.or_raise();
    m.predict(|m, x| encode_jsonb(m, &features, x)).or_raise()
}

/// The metrics of the deployed version of `model` (or `name@version`) on every row of
/// `relation` whose target is not NULL, as one flat object.
#[pg_extern(stable)]
fn profile_evaluate(model: &str, relation: PgRelation) -> JsonB {
    let reference = ModelRef::parse(model).or_raise();
    let stored = models::load(models::resolve(&reference).or_raise()).or_raise();
    let relid = relation.oid();
    drop(relation);
    let info = dataset::describe(relid).or_raise();

    // Every feature must be a column of a kind the model can encode.
    let mut features = Vec::with_capacity(stored.model.features.len());
    for f in &stored.model.features {
        let column = info.column(&f.name).or_raise();
        let fits = matches!(
            (&f.encoder, column.kind),
            (Encoder::Numeric { .. }, Kind::Numeric)
                | (Encoder::Boolean { .. }, Kind::Boolean)
                | (Encoder::Categorical(_), Kind::Categorical)
        );
        if !fits {
            Err::<(), _>(DatasetError::UnsupportedType {
                relation: info.display.clone(),
                column: f.name.clone(),
                type_name: column.type_name.clone(),
                role: "value of this feature",
            })
            .or_raise();
        }
        features.push((f.name.clone(), column.kind));
    }
    let target_column = info.column(&stored.target).or_raise();
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
    )
    .or_raise();
    let target = data.target.as_ref().expect("the target was read");
    let mut metrics = evaluate(&stored.model, &data.features, target, None).or_raise();
    if let Json::Object(m) = &mut metrics {
        m.insert(
            "model".into(),
            Json::from(format!("{}@{}", stored.name, stored.version)),
        );
        m.insert("skipped_rows".into(), Json::from(data.skipped));
    }
    JsonB(metrics)
}
