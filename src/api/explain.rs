//! What a model is made of: `profile_importance` and `profile_export`.

use pgrx::prelude::*;

use super::error::OrRaise;
use crate::catalog::{models, ModelRef};
use crate::ml::explain;
use crate::ml::model::Model;

fn load(model: &str) -> Model {
    let reference = ModelRef::parse(model).or_raise();
    models::load(models::resolve(&reference).or_raise())
        .or_raise()
        .model
}

/// The importance of each feature of the deployed version of `model` (or
/// `name@version`), most important first.
#[pg_extern(stable)]
fn profile_importance(
    model: &str,
) -> TableIterator<'static, (name!(feature, String), name!(importance, f64))> {
    let mut rows = explain::importance(&load(model));
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    TableIterator::new(rows)
}

/// The deployed version of `model` (or `name@version`) as other tools read it:
/// LightGBM's model text for gbdt, a JSON document for logistic and linear models.
#[pg_extern(stable)]
fn profile_export(model: &str) -> String {
    explain::export(&load(model))
}
