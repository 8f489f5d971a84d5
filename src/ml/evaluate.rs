//! Measuring a stored model on rows read anew: the columns are matched to the model's
//! features by name, and the labels to its classes.

use serde_json::Value as Json;

use super::model::{Model, Task};
use super::preprocess::Column;
use super::train::{evaluate_encoded, value_at, Target};
use super::MlError;

/// The metrics of `model` on `rows` of `features` and `target` (every row when `rows`
/// is `None`).
pub fn evaluate(
    model: &Model,
    features: &[(String, Column)],
    target: &Target,
    rows: Option<&[usize]>,
) -> Result<Json, MlError> {
    let columns: Vec<&Column> = model
        .features
        .iter()
        .map(|f| {
            features
                .iter()
                .find(|(name, _)| *name == f.name)
                .map(|(_, c)| c)
                .ok_or_else(|| MlError::MissingFeature(f.name.clone()))
        })
        .collect::<Result<_, _>>()?;
    let all: Vec<usize>;
    let rows = match rows {
        Some(rows) => rows,
        None => {
            all = (0..target.len()).collect();
            &all
        }
    };
    if rows.is_empty() {
        return Err(MlError::NoRows);
    }

    let width = model.width();
    let mut x = vec![0.0; rows.len() * width];
    let mut values = Vec::with_capacity(columns.len());
    let mut y = Vec::with_capacity(rows.len());
    let mut numeric = Vec::new();
    for (k, &r) in rows.iter().enumerate() {
        values.clear();
        values.extend(columns.iter().map(|c| value_at(c, r)));
        model.encode(&values, &mut x[k * width..(k + 1) * width])?;
        match (model.task, target) {
            (Task::Regression, Target::Number(v)) => numeric.push(v[r]),
            (Task::Regression, _) => return Err(MlError::NonNumericTarget),
            _ => {
                let label = target.label(r);
                let class = model
                    .classes
                    .iter()
                    .position(|c| *c == label)
                    .ok_or(MlError::UnseenLabel(label))?;
                y.push(class as u32);
            }
        }
    }
    evaluate_encoded(model, &x, &y, &numeric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::model::Algorithm;
    use crate::ml::options::TrainOptions;
    use crate::ml::train::train;

    #[test]
    fn a_model_measured_on_its_own_test_rows_matches_its_test_metrics() {
        let x: Vec<Option<f64>> = (0..400).map(|i| Some(f64::from(i % 37))).collect();
        let y: Vec<bool> = (0..400).map(|i| i % 37 + (i * 7919) % 11 > 23).collect();
        let features = vec![("x".to_string(), Column::Numeric(x))];
        let target = Target::Bool(y);
        let t = train(
            &features,
            &target,
            Algorithm::Logistic,
            &TrainOptions::default(),
            &mut |_| Ok(()),
        )
        .unwrap();
        let again = evaluate(&t.model, &features, &target, Some(&t.holdout_rows)).unwrap();
        assert_eq!(again, t.metrics["test"]);
    }

    #[test]
    fn missing_features_and_unseen_labels_are_errors() {
        let features = vec![(
            "x".to_string(),
            Column::Numeric(vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)]),
        )];
        let target = Target::Text(vec!["a".into(), "b".into(), "a".into(), "b".into()]);
        let opts = TrainOptions {
            split: crate::ml::split::Fractions::new(&[1.0, 0.0, 0.0]).unwrap(),
            ..Default::default()
        };
        let t = train(&features, &target, Algorithm::Logistic, &opts, &mut |_| {
            Ok(())
        })
        .unwrap();
        let other = vec![("z".to_string(), Column::Numeric(vec![Some(1.0)]))];
        assert_eq!(
            evaluate(&t.model, &other, &Target::Text(vec!["a".into()]), None),
            Err(MlError::MissingFeature("x".into()))
        );
        assert_eq!(
            evaluate(
                &t.model,
                &features[..],
                &Target::Text(vec!["c".into(); 4]),
                None
            ),
            Err(MlError::UnseenLabel("c".into()))
        );
    }
}
