//! What a model is made of, for people and other tools: the importance of each feature,
//! and the model exported in a form other tools read.

use serde_json::{json, Value as Json};

use super::model::{Estimator, Model};
use super::preprocess::Encoder;

/// The importance of each feature, in the model's feature order: for gbdt the total gain
/// of the splits on it; for logistic and linear models the absolute coefficients on its
/// standardized inputs (summed over its one-hot slots, and over classes for a
/// multinomial model).
pub fn importance(model: &Model) -> Vec<(String, f64)> {
    let width = model.width();
    let per_input: Vec<f64> = match &model.estimator {
        Estimator::Gbdt(g) => g.gain.clone(),
        Estimator::Linear(m) => m.coefficients.iter().map(|c| c.abs()).collect(),
        Estimator::Logistic(m) => {
            let mut sums = vec![0.0; width];
            for row in m.coefficients.chunks(m.inputs.max(1)) {
                for (s, c) in sums.iter_mut().zip(row) {
                    *s += c.abs();
                }
            }
            sums
        }
    };
    let mut at = 0;
    model
        .features
        .iter()
        .map(|f| {
            let w = f.encoder.width();
            let total = per_input[at..at + w].iter().sum();
            at += w;
            (f.name.clone(), total)
        })
        .collect()
}

/// The names of the model's inputs, in order: a feature's name, or for a categorical
/// feature `name=category` per slot, then `name=<other>` and `name=<null>`.
pub fn input_names(model: &Model) -> Vec<String> {
    let mut names = Vec::with_capacity(model.width());
    for f in &model.features {
        match &f.encoder {
            Encoder::Categorical(c) => {
                names.extend(c.names().iter().map(|c| format!("{}={c}", f.name)));
                names.push(format!("{}=<other>", f.name));
                names.push(format!("{}=<null>", f.name));
            }
            _ => names.push(f.name.clone()),
        }
    }
    names
}

/// The model in a form other tools read: LightGBM's own model text for gbdt; for
/// logistic and linear models a JSON document of the preprocessing and coefficients
/// (see the README's `profile_export`).
pub fn export(model: &Model) -> String {
    match &model.estimator {
        Estimator::Gbdt(g) => g.model.clone(),
        Estimator::Logistic(m) => document(
            model,
            json!({"coefficients": m.coefficients.chunks(m.inputs.max(1)).collect::<Vec<_>>(),
                   "intercepts": m.intercepts}),
        ),
        Estimator::Linear(m) => document(
            model,
            json!({"coefficients": m.coefficients, "intercept": m.intercept}),
        ),
    }
}

fn document(model: &Model, estimator: Json) -> String {
    let doc = json!({
        "format": "pg_persona linear model, version 1",
        "algorithm": model.algorithm.name(),
        "task": model.task.name(),
        "classes": model.classes,
        "features": model.features,
        "inputs": input_names(model),
        "estimator": estimator,
    });
    serde_json::to_string_pretty(&doc).expect("a model serializes")
}
