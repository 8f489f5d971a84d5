//! Scoring inside queries: `profile_score`, `profile_predict`, `profile_evaluate`.

use pgrx::prelude::*;
use pgrx::{AnyElement, JsonB, PgRelation};

use super::error::OrRaise;
use crate::scoring::{at_call_site, encode_composite, encode_jsonb, evaluate_on};

/// The score of a row: the positive class's probability (binary), the most likely
/// class's probability (multiclass) or the predicted value (regression).
#[pg_extern(stable, parallel_safe, name = "profile_score")]
fn profile_score_row(model: &str, features: AnyElement, fcinfo: pg_sys::FunctionCallInfo) -> f64 {
    // SAFETY: pgrx hands the function its own fcinfo.
    let site = unsafe { at_call_site(fcinfo, model) }.or_raise();
    let rows = &site.rows;
    site.model
        .score(|m, x| encode_composite(m, rows, &features, x))
        .or_raise()
}

/// The score of a jsonb object whose keys are the feature names.
#[pg_extern(stable, parallel_safe, name = "profile_score")]
fn profile_score_jsonb(model: &str, features: JsonB, fcinfo: pg_sys::FunctionCallInfo) -> f64 {
    // SAFETY: pgrx hands the function its own fcinfo.
    let site = unsafe { at_call_site(fcinfo, model) }.or_raise();
    site.model
        .score(|m, x| encode_jsonb(m, &features, x))
        .or_raise()
}

/// The predicted class label of a row (the predicted value as text for regression).
#[pg_extern(stable, parallel_safe, name = "profile_predict")]
fn profile_predict_row(
    model: &str,
    features: AnyElement,
    fcinfo: pg_sys::FunctionCallInfo,
) -> String {
    // SAFETY: pgrx hands the function its own fcinfo.
    let site = unsafe { at_call_site(fcinfo, model) }.or_raise();
    let rows = &site.rows;
    site.model
        .predict(|m, x| encode_composite(m, rows, &features, x))
        .or_raise()
}

/// The predicted class label of a jsonb object.
#[pg_extern(stable, parallel_safe, name = "profile_predict")]
fn profile_predict_jsonb(model: &str, features: JsonB, fcinfo: pg_sys::FunctionCallInfo) -> String {
    // SAFETY: pgrx hands the function its own fcinfo.
    let site = unsafe { at_call_site(fcinfo, model) }.or_raise();
    site.model
        .predict(|m, x| encode_jsonb(m, &features, x))
        .or_raise()
}

/// The metrics of the deployed version of `model` (or `name@version`) on every row of
/// `relation` whose target is not NULL, as one flat object.
#[pg_extern(stable)]
fn profile_evaluate(model: &str, relation: PgRelation) -> JsonB {
    let relid = relation.oid();
    drop(relation);
    JsonB(evaluate_on(model, relid).or_raise())
}
