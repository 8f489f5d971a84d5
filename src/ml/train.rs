//! Training end to end on columns already read: the task and classes from the target,
//! the seeded split, preprocessing learned from the training rows, the L2 search on the
//! validation rows, and the metrics of the chosen model on the validation and test rows.

use std::time::Instant;

use serde_json::{json, Value as Json};

use super::lbfgs::Iteration;
use super::linear::{
    row_weights, ClassWeight, FitReport, Linear, Logistic, LogisticOptions, Matrix,
};
use super::metrics;
use super::model::{Algorithm, Estimator, Feature, Model, Task};
use super::options::{GbdtParams, TrainOptions};
use super::preprocess::{Column, Encoder, Value};
use super::split::{split, Part};
use super::MlError;
use super::{explain, gbdt};

/// The label column, without its NULL rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Bool(Vec<bool>),
    Text(Vec<String>),
    Number(Vec<f64>),
}

impl Target {
    pub fn len(&self) -> usize {
        match self {
            Target::Bool(v) => v.len(),
            Target::Text(v) => v.len(),
            Target::Number(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `row`'s label as a class name: `true`/`false`, the text, or the number.
    pub fn label(&self, row: usize) -> String {
        match self {
            Target::Bool(v) => v[row].to_string(),
            Target::Text(v) => v[row].clone(),
            Target::Number(v) => v[row].to_string(),
        }
    }
}

/// Rows in each part of the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rows {
    pub train: u64,
    pub validation: u64,
    pub test: u64,
}

#[derive(Debug, Clone)]
pub struct Trained {
    pub model: Model,
    /// The positive class of a binary model.
    pub positive: Option<String>,
    pub rows: Rows,
    /// `{"validation": {...}, "test": {...}, "fit": {...}}`; `{"train": {...}}` instead
    /// when the split keeps no rows apart.
    pub metrics: Json,
    /// The L2 penalty chosen and every value tried.
    pub hyperparameters: Json,
    /// The part of the split whose metrics judge the model (`test`, else `validation`,
    /// else `train`) and its input rows, for measuring another model on the same rows.
    pub holdout_part: &'static str,
    pub holdout_rows: Vec<usize>,
}

/// Classes, their index for each row, and the positive class.
struct Labels {
    task: Task,
    classes: Vec<String>,
    y: Vec<u32>,
    positive: Option<String>,
}

fn labels(target: &Target, options: &TrainOptions) -> Result<Labels, MlError> {
    let text: Vec<String> = (0..target.len()).map(|r| target.label(r)).collect();
    let mut classes: Vec<String> = text.clone();
    classes.sort();
    classes.dedup();
    match classes.len() {
        0 => Err(MlError::NoRows),
        1 => Err(MlError::OneClass(classes.remove(0))),
        2 => {
            let count = |c: &str| text.iter().filter(|t| *t == c).count();
            let positive = match (&options.positive, target) {
                (Some(p), _) => {
                    if !classes.contains(p) {
                        return Err(MlError::UnknownPositive {
                            positive: p.clone(),
                            classes: classes.clone(),
                        });
                    }
                    p.clone()
                }
                (None, Target::Bool(_)) => "true".to_string(),
                // The rarer class; the later one in sort order on a tie.
                (None, _) if count(&classes[0]) < count(&classes[1]) => classes[0].clone(),
                (None, _) => classes[1].clone(),
            };
            if classes[0] == positive {
                classes.swap(0, 1);
            }
            let y = text.iter().map(|t| u32::from(*t == positive)).collect();
            Ok(Labels {
                task: Task::Binary,
                classes,
                y,
                positive: Some(positive),
            })
        }
        _ => {
            if let Some(p) = &options.positive {
                return Err(MlError::InvalidOption {
                    option: "positive",
                    reason: format!(
                        "the target has {} classes; \"{p}\" can only name one of two",
                        classes.len()
                    ),
                });
            }
            let y = text
                .iter()
                .map(|t| classes.binary_search(t).expect("a class of the target") as u32)
                .collect();
            Ok(Labels {
                task: Task::Multiclass,
                classes,
                y,
                positive: None,
            })
        }
    }
}

pub(crate) fn value_at(column: &Column, row: usize) -> Value<'_> {
    match column {
        Column::Numeric(v) => v[row].map_or(Value::Null, Value::Number),
        Column::Boolean(v) => v[row].map_or(Value::Null, Value::Bool),
        Column::Categorical(v) => v[row].as_deref().map_or(Value::Null, Value::Text),
    }
}

fn subset(column: &Column, rows: &[usize]) -> Column {
    match column {
        Column::Numeric(v) => Column::Numeric(rows.iter().map(|&r| v[r]).collect()),
        Column::Boolean(v) => Column::Boolean(rows.iter().map(|&r| v[r]).collect()),
        Column::Categorical(v) => Column::Categorical(rows.iter().map(|&r| v[r].clone()).collect()),
    }
}

/// The encoded rows of one part of the split, with their labels.
struct PartData {
    rows: Vec<usize>,
    x: Vec<f64>,
    y: Vec<u32>,
    target: Vec<f64>,
}

/// Trains a model. `features` are the input columns (same length as `target`);
/// `progress` sees each optimizer iteration (each tree for gbdt) and may stop training.
pub fn train(
    features: &[(String, Column)],
    target: &Target,
    algorithm: Algorithm,
    options: &TrainOptions,
    progress: &mut dyn FnMut(Iteration) -> Result<(), MlError>,
) -> Result<Trained, MlError> {
    train_split(features, target, algorithm, options, None, progress)
}

/// `train`, with each row's part of the split given (`options.split_column`) instead of
/// drawn at random. The caller has checked the options suit the algorithm
/// (`TrainOptions::check_algorithm`), before reading any data.
pub fn train_split(
    features: &[(String, Column)],
    target: &Target,
    algorithm: Algorithm,
    options: &TrainOptions,
    given_parts: Option<&[Part]>,
    progress: &mut dyn FnMut(Iteration) -> Result<(), MlError>,
) -> Result<Trained, MlError> {
    let n = target.len();
    if n == 0 {
        return Err(MlError::NoRows);
    }
    if features.is_empty() {
        return Err(MlError::NoFeatures);
    }
    assert!(
        features.iter().all(|(_, c)| c.len() == n),
        "one value per row"
    );

    // Regression for linear models, and for trees on a numeric target.
    let (task, classes, y, positive, numeric_target) = match (algorithm, target) {
        (Algorithm::Linear | Algorithm::Gbdt, Target::Number(values)) => {
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(MlError::NonFiniteFeature {
                    feature: "target".into(),
                    value: values[i],
                });
            }
            (
                Task::Regression,
                vec![],
                vec![0u32; n],
                None,
                values.clone(),
            )
        }
        (Algorithm::Linear, _) => return Err(MlError::NonNumericTarget),
        (Algorithm::Logistic | Algorithm::Gbdt, _) => {
            let l = labels(target, options)?;
            (l.task, l.classes, l.y, l.positive, vec![])
        }
    };

    // Stratify classification by class; regression is one stratum.
    let parts = match given_parts {
        Some(p) => {
            assert_eq!(p.len(), n, "one part per row");
            p.to_vec()
        }
        None => split(&y, options.split, options.seed),
    };
    let rows_of = |part: Part| -> Vec<usize> { (0..n).filter(|&i| parts[i] == part).collect() };
    let (train_rows, validation_rows, test_rows) = (
        rows_of(Part::Train),
        rows_of(Part::Validation),
        rows_of(Part::Test),
    );

    let encoders: Vec<Feature> = features
        .iter()
        .map(|(name, column)| {
            Ok(Feature {
                name: name.clone(),
                encoder: if algorithm == Algorithm::Gbdt {
                    Encoder::fit_for_trees(
                        name,
                        &subset(column, &train_rows),
                        options.max_categories,
                    )?
                } else {
                    Encoder::fit(name, &subset(column, &train_rows), options.max_categories)?
                },
            })
        })
        .collect::<Result<_, MlError>>()?;
    let mut model = Model {
        algorithm,
        task,
        features: encoders,
        classes,
        estimator: Estimator::Linear(Linear {
            coefficients: vec![],
            intercept: 0.0,
        }),
    };
    let width = model.width();
    let encode_part = |rows: Vec<usize>| -> Result<PartData, MlError> {
        let mut x = vec![0.0; rows.len() * width];
        let mut values = Vec::with_capacity(features.len());
        for (k, &r) in rows.iter().enumerate() {
            values.clear();
            values.extend(features.iter().map(|(_, c)| value_at(c, r)));
            model.encode(&values, &mut x[k * width..(k + 1) * width])?;
        }
        Ok(PartData {
            y: rows.iter().map(|&r| y[r]).collect(),
            target: rows
                .iter()
                .filter_map(|&r| numeric_target.get(r).copied())
                .collect(),
            rows,
            x,
        })
    };
    let train_data = encode_part(train_rows)?;
    let validation = encode_part(validation_rows)?;
    let test = encode_part(test_rows)?;

    let started = Instant::now();
    let (estimator, fit_report, hyperparameters) = if algorithm == Algorithm::Gbdt {
        search_gbdt(&model, &train_data, &validation, options, progress)?
    } else {
        search_l2(&model, &train_data, &validation, options, progress)?
    };
    let fit_ms = started.elapsed().as_secs_f64() * 1000.0;
    model.estimator = estimator;
    let test_count = test.rows.len() as u64;
    let validation_count = validation.rows.len() as u64;

    let mut metrics = serde_json::Map::new();
    for (name, part) in [("validation", &validation), ("test", &test)] {
        if !part.rows.is_empty() {
            metrics.insert(name.into(), evaluate(&model, part)?);
        }
    }
    if metrics.is_empty() {
        metrics.insert("train".into(), evaluate(&model, &train_data)?);
        metrics.insert(
            "note".into(),
            json!("the split keeps no rows apart: these metrics come from the training rows"),
        );
    }
    let mut fit_json = fit_report;
    fit_json["ms"] = json!((fit_ms * 10.0).round() / 10.0);
    metrics.insert("fit".into(), fit_json);

    let (holdout_part, holdout_rows) = if !test.rows.is_empty() {
        ("test", test.rows)
    } else if !validation.rows.is_empty() {
        ("validation", validation.rows)
    } else {
        ("train", train_data.rows.clone())
    };
    Ok(Trained {
        rows: Rows {
            train: train_data.rows.len() as u64,
            validation: validation_count,
            test: test_count,
        },
        positive,
        metrics: Json::Object(metrics),
        hyperparameters,
        holdout_part,
        holdout_rows,
        model,
    })
}

/// The L2 penalties of `options.l2` (default 1 / training rows), each fitted and the
/// best on the validation rows kept. Returns the estimator, the fit report (iterations,
/// convergence) and the hyperparameters (the chosen penalty and every one tried).
fn search_l2(
    model: &Model,
    train_data: &PartData,
    validation: &PartData,
    options: &TrainOptions,
    progress: &mut dyn FnMut(Iteration) -> Result<(), MlError>,
) -> Result<(Estimator, Json, Json), MlError> {
    let candidates = options
        .l2
        .clone()
        .unwrap_or_else(|| vec![1.0 / train_data.rows.len() as f64]);
    if candidates.len() > 1 && validation.rows.is_empty() {
        return Err(MlError::InvalidOption {
            option: "l2",
            reason:
                "trying several values needs validation rows; give \"split\" a validation fraction"
                    .into(),
        });
    }
    let mut scored = model.clone();
    let mut best: Option<(f64, Estimator, FitReport, f64)> = None;
    let mut tried = Vec::new();
    for &l2 in &candidates {
        let (estimator, report) = fit(model, train_data, l2, options, progress)?;
        scored.estimator = estimator.clone();
        let goodness = if validation.rows.is_empty() {
            0.0
        } else {
            selection_score(&scored, validation)?
        };
        tried.push(json!({"l2": l2, "validation_score": goodness}));
        if best.as_ref().is_none_or(|b| goodness > b.0) {
            best = Some((goodness, estimator, report, l2));
        }
    }
    let (_, estimator, report, l2) = best.expect("at least one l2 value");
    Ok((
        estimator,
        json!({"iterations": report.iterations, "converged": report.converged}),
        json!({"l2": l2, "tried": tried}),
    ))
}

/// Every combination of the gbdt options, each boosted with early stopping on the
/// validation rows; the best on them (ROC AUC, negative log loss, R²) is kept.
fn search_gbdt(
    model: &Model,
    train_data: &PartData,
    validation: &PartData,
    options: &TrainOptions,
    progress: &mut dyn FnMut(Iteration) -> Result<(), MlError>,
) -> Result<(Estimator, Json, Json), MlError> {
    let grid = options.gbdt.combinations();
    if grid.len() > 1 && validation.rows.is_empty() {
        return Err(MlError::InvalidOption {
            option: "split",
            reason: "searching over several gbdt option values needs validation rows; give \"split\" a validation fraction"
                .into(),
        });
    }
    let classes = model.classes.len();
    let labels = |part: &PartData| -> Vec<f32> {
        if model.task == Task::Regression {
            part.target.iter().map(|&v| v as f32).collect()
        } else {
            part.y.iter().map(|&c| c as f32).collect()
        }
    };
    let weights = |part: &PartData| -> Option<Vec<f32>> {
        (model.task != Task::Regression && options.class_weight == ClassWeight::Balanced).then(
            || {
                row_weights(&part.y, classes, ClassWeight::Balanced)
                    .into_iter()
                    .map(|w| w as f32)
                    .collect()
            },
        )
    };
    let train_rows = gbdt::Rows {
        x: &train_data.x,
        labels: labels(train_data),
        weights: weights(train_data),
    };
    let validation_rows = gbdt::Rows {
        x: &validation.x,
        labels: labels(validation),
        weights: weights(validation),
    };
    let settings = gbdt::FitSettings {
        names: gbdt::lightgbm_names(&explain::input_names(model)),
        task: model.task,
        classes,
        width: model.width(),
        early_stopping_rounds: options.early_stopping_rounds,
        threads: options.threads.unwrap_or(1),
        seed: options.seed,
    };
    let mut scored = model.clone();
    let mut best: Option<(f64, gbdt::Gbdt, gbdt::FitReport, GbdtParams)> = None;
    let mut tried = Vec::new();
    for params in grid {
        let (fitted, report) = gbdt::fit(
            &train_rows,
            (!validation.rows.is_empty()).then_some(&validation_rows),
            &params,
            &settings,
            &mut |it| {
                progress(Iteration {
                    iteration: it.tree as usize,
                    loss: it.validation_loss.unwrap_or(f64::NAN),
                    gradient_norm: f64::NAN,
                })
            },
        )?;
        scored.estimator = Estimator::Gbdt(fitted.clone());
        let goodness = if validation.rows.is_empty() {
            0.0
        } else {
            selection_score(&scored, validation)?
        };
        tried.push(json!({
            "params": gbdt_params_json(&params),
            "trees": report.kept,
            "validation_score": goodness,
        }));
        if best.as_ref().is_none_or(|b| goodness > b.0) {
            best = Some((goodness, fitted, report, params));
        }
    }
    let (_, fitted, report, params) = best.expect("at least one combination");
    let mut chosen = gbdt_params_json(&params);
    chosen["trees"] = json!(report.kept);
    chosen["early_stopping_rounds"] = json!(options.early_stopping_rounds);
    chosen["threads"] = json!(settings.threads);
    Ok((
        Estimator::Gbdt(fitted),
        json!({"trees_trained": report.trained, "trees_kept": report.kept,
               "stopped_early": report.stopped_early,
               "validation_loss": report.validation_loss}),
        json!({"chosen": chosen, "tried": tried}),
    ))
}

fn gbdt_params_json(p: &GbdtParams) -> Json {
    json!({
        "num_trees": p.num_trees, "learning_rate": p.learning_rate,
        "num_leaves": p.num_leaves, "max_depth": p.max_depth,
        "min_data_in_leaf": p.min_data_in_leaf, "feature_fraction": p.feature_fraction,
        "bagging_fraction": p.bagging_fraction, "lambda_l2": p.lambda_l2,
    })
}

fn fit(
    model: &Model,
    data: &PartData,
    l2: f64,
    options: &TrainOptions,
    progress: &mut dyn FnMut(Iteration) -> Result<(), MlError>,
) -> Result<(Estimator, FitReport), MlError> {
    let x = Matrix::new(&data.x, model.width());
    Ok(match model.algorithm {
        Algorithm::Linear => {
            let (m, r) = Linear::fit(x, &data.target, l2)?;
            (Estimator::Linear(m), r)
        }
        Algorithm::Gbdt => unreachable!("gbdt is fitted by search_gbdt"),
        Algorithm::Logistic => {
            let logistic_options = LogisticOptions {
                l2,
                max_iter: options.max_iter,
                tolerance: options.tolerance,
                class_weight: options.class_weight,
            };
            let (m, r) = Logistic::fit(x, &data.y, model.classes.len(), logistic_options, |it| {
                progress(it)
            })?;
            (Estimator::Logistic(m), r)
        }
    })
}

/// Higher is better: ROC AUC (binary), negative log loss (multiclass), R² (regression).
fn selection_score(model: &Model, part: &PartData) -> Result<f64, MlError> {
    let m = evaluate(model, part)?;
    Ok(match model.task {
        Task::Binary => m["roc_auc"].as_f64().unwrap_or(0.5),
        Task::Multiclass => -m["log_loss"].as_f64().unwrap_or(f64::INFINITY),
        Task::Regression => m["r2"].as_f64().unwrap_or(f64::NEG_INFINITY),
    })
}

/// The metrics object of `model` on encoded rows.
pub fn evaluate_encoded(
    model: &Model,
    x: &[f64],
    y: &[u32],
    target: &[f64],
) -> Result<Json, MlError> {
    let width = model.width();
    let k = model.classes.len();
    let mut scratch = vec![0.0; k.max(1)];
    let to_json = |v: Result<Json, serde_json::Error>| v.expect("metrics serialize");
    Ok(match model.task {
        Task::Regression => {
            let predicted: Vec<f64> = x
                .chunks(width)
                .map(|row| model.score(row, &mut scratch))
                .collect();
            to_json(serde_json::to_value(metrics::regression(
                target, &predicted,
            )?))
        }
        Task::Binary => {
            let scores: Vec<f64> = x
                .chunks(width)
                .map(|row| model.score(row, &mut scratch))
                .collect();
            let labels: Vec<bool> = y.iter().map(|&c| c == 1).collect();
            to_json(serde_json::to_value(metrics::binary_classification(
                &labels, &scores, 0.5,
            )?))
        }
        Task::Multiclass => {
            let mut probabilities = vec![0.0; y.len() * k];
            for (row, out) in x.chunks(width).zip(probabilities.chunks_mut(k)) {
                model.probabilities(row, out);
            }
            let mut m = to_json(serde_json::to_value(metrics::multiclass(
                y,
                &probabilities,
                k,
            )?));
            m["classes"] = json!(model.classes);
            m
        }
    })
}

fn evaluate(model: &Model, part: &PartData) -> Result<Json, MlError> {
    evaluate_encoded(model, &part.x, &part.y, &part.target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::rng::Rng;

    fn no_progress() -> impl FnMut(Iteration) -> Result<(), MlError> {
        |_| Ok(())
    }

    /// Customers with tenure, a plan and a flag; churn more likely with short tenure
    /// and the "monthly" plan.
    fn churn_data(n: usize, seed: u64) -> (Vec<(String, Column)>, Target) {
        let mut rng = Rng::new(seed);
        let (mut tenure, mut plan, mut flag, mut churn) = (vec![], vec![], vec![], vec![]);
        for i in 0..n {
            let t = rng.uniform() * 72.0;
            let p = ["monthly", "yearly", "two-year"][rng.below(3) as usize];
            let f = rng.uniform() < 0.5;
            let z = 1.0 - t / 20.0 + if p == "monthly" { 1.5 } else { -0.5 };
            churn.push(rng.uniform() < 1.0 / (1.0 + (-z).exp()));
            tenure.push(if i % 50 == 0 { None } else { Some(t) });
            plan.push(if i % 40 == 0 {
                None
            } else {
                Some(p.to_string())
            });
            flag.push(Some(f));
        }
        (
            vec![
                ("tenure".into(), Column::Numeric(tenure)),
                ("plan".into(), Column::Categorical(plan)),
                ("flag".into(), Column::Boolean(flag)),
            ],
            Target::Bool(churn),
        )
    }

    #[test]
    fn logistic_on_mixed_features_learns_and_reports_honest_metrics() {
        let (features, target) = churn_data(5_000, 1);
        let t = train(
            &features,
            &target,
            Algorithm::Logistic,
            &TrainOptions::default(),
            &mut no_progress(),
        )
        .unwrap();
        assert_eq!(t.model.task, Task::Binary);
        assert_eq!(t.model.classes, ["false", "true"]);
        assert_eq!(t.positive.as_deref(), Some("true"));
        assert_eq!(
            (t.rows.train, t.rows.validation, t.rows.test),
            (3500, 1000, 500)
        );
        assert_eq!((t.holdout_part, t.holdout_rows.len()), ("test", 500));
        let auc = t.metrics["test"]["roc_auc"].as_f64().unwrap();
        assert!(auc > 0.8, "{}", t.metrics);
        assert!(t.metrics["validation"]["log_loss"].as_f64().is_some());
        assert!(t.metrics["fit"]["converged"].as_bool().unwrap());
        // tenure (1) + plan (3 categories, other, NULL) + flag (1)
        assert_eq!(t.model.width(), 7);
    }

    #[test]
    fn the_same_seed_trains_the_same_model() {
        let (features, target) = churn_data(1_000, 2);
        let run = |seed| {
            let options = TrainOptions {
                seed,
                ..Default::default()
            };
            train(
                &features,
                &target,
                Algorithm::Logistic,
                &options,
                &mut no_progress(),
            )
            .unwrap()
        };
        let (a, b, c) = (run(5), run(5), run(6));
        assert_eq!(a.model, b.model);
        assert_eq!(a.holdout_rows, b.holdout_rows);
        assert_ne!(a.holdout_rows, c.holdout_rows);
    }

    #[test]
    fn the_positive_class_is_the_rarer_one_unless_named() {
        let labels: Vec<String> = (0..100)
            .map(|i| if i % 4 == 0 { "Yes" } else { "No" }.to_string())
            .collect();
        let x = Column::Numeric((0..100).map(|i| Some(f64::from(i % 7))).collect());
        let features = vec![("x".to_string(), x)];
        let target = Target::Text(labels);
        let opts = TrainOptions::default();
        let t = train(
            &features,
            &target,
            Algorithm::Logistic,
            &opts,
            &mut no_progress(),
        )
        .unwrap();
        assert_eq!(t.positive.as_deref(), Some("Yes"));
        assert_eq!(t.model.classes, ["No", "Yes"]);
        let opts = TrainOptions {
            positive: Some("No".into()),
            ..Default::default()
        };
        let t = train(
            &features,
            &target,
            Algorithm::Logistic,
            &opts,
            &mut no_progress(),
        )
        .unwrap();
        assert_eq!(t.model.classes, ["Yes", "No"]);
        let opts = TrainOptions {
            positive: Some("Maybe".into()),
            ..Default::default()
        };
        assert!(matches!(
            train(
                &features,
                &target,
                Algorithm::Logistic,
                &opts,
                &mut no_progress()
            ),
            Err(MlError::UnknownPositive { .. })
        ));
    }

    #[test]
    fn l2_search_keeps_the_best_on_validation_and_reports_every_value() {
        let (features, target) = churn_data(2_000, 3);
        let options = TrainOptions {
            l2: Some(vec![10.0, 0.001]),
            ..Default::default()
        };
        let t = train(
            &features,
            &target,
            Algorithm::Logistic,
            &options,
            &mut no_progress(),
        )
        .unwrap();
        assert_eq!(t.hyperparameters["tried"].as_array().unwrap().len(), 2);
        let scores: Vec<f64> = t.hyperparameters["tried"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["validation_score"].as_f64().unwrap())
            .collect();
        let best = if scores[0] > scores[1] { 10.0 } else { 0.001 };
        assert_eq!(t.hyperparameters["l2"], json!(best));
    }

    #[test]
    fn multiclass_and_regression() {
        let mut rng = Rng::new(9);
        let x: Vec<Option<f64>> = (0..900).map(|_| Some(rng.uniform() * 3.0)).collect();
        let label: Vec<String> = x
            .iter()
            .map(|v| ["low", "mid", "high"][v.unwrap() as usize].to_string())
            .collect();
        let features = vec![("x".to_string(), Column::Numeric(x.clone()))];
        let opts = TrainOptions::default();
        let t = train(
            &features,
            &Target::Text(label),
            Algorithm::Logistic,
            &opts,
            &mut no_progress(),
        )
        .unwrap();
        assert_eq!(t.model.task, Task::Multiclass);
        assert_eq!(t.model.classes, ["high", "low", "mid"]);
        assert!(
            t.metrics["test"]["accuracy"].as_f64().unwrap() > 0.85,
            "{}",
            t.metrics
        );

        let y: Vec<f64> = x.iter().map(|v| 3.0 * v.unwrap() - 1.0).collect();
        let t = train(
            &features,
            &Target::Number(y),
            Algorithm::Linear,
            &opts,
            &mut no_progress(),
        )
        .unwrap();
        assert_eq!(t.model.task, Task::Regression);
        assert!(
            t.metrics["test"]["r2"].as_f64().unwrap() > 0.999,
            "{}",
            t.metrics
        );
    }

    #[test]
    fn split_1_0_0_reports_training_metrics_and_says_so() {
        let (features, target) = churn_data(300, 4);
        let options = TrainOptions {
            split: crate::ml::split::Fractions::new(&[1.0, 0.0, 0.0]).unwrap(),
            ..Default::default()
        };
        let t = train(
            &features,
            &target,
            Algorithm::Logistic,
            &options,
            &mut no_progress(),
        )
        .unwrap();
        assert!(t.metrics.get("test").is_none() && t.metrics.get("validation").is_none());
        assert!(t.metrics["train"]["roc_auc"].as_f64().is_some());
        assert!(t.metrics["note"]
            .as_str()
            .unwrap()
            .contains("training rows"));
    }

    #[test]
    fn bad_targets_are_errors() {
        let features = vec![("x".to_string(), Column::Numeric(vec![Some(1.0), Some(2.0)]))];
        let opts = TrainOptions::default();
        let one_class = Target::Text(vec!["a".into(), "a".into()]);
        assert_eq!(
            train(
                &features,
                &one_class,
                Algorithm::Logistic,
                &opts,
                &mut no_progress()
            )
            .unwrap_err(),
            MlError::OneClass("a".into())
        );
        assert_eq!(
            train(
                &features,
                &one_class,
                Algorithm::Linear,
                &opts,
                &mut no_progress()
            )
            .unwrap_err(),
            MlError::NonNumericTarget
        );
        let none: Vec<(String, Column)> = vec![("x".into(), Column::Numeric(vec![]))];
        assert_eq!(
            train(
                &none,
                &Target::Number(vec![]),
                Algorithm::Linear,
                &opts,
                &mut no_progress()
            )
            .unwrap_err(),
            MlError::NoRows
        );
    }

    #[test]
    fn a_non_finite_feature_is_an_error_naming_it() {
        let x = Column::Numeric(
            (0..20)
                .map(|i| Some(if i == 7 { f64::NAN } else { 1.0 }))
                .collect(),
        );
        let target = Target::Bool((0..20).map(|i| i % 2 == 0).collect());
        let err = train(
            &[("x".into(), x)],
            &target,
            Algorithm::Logistic,
            &TrainOptions::default(),
            &mut no_progress(),
        )
        .unwrap_err();
        assert!(matches!(err, MlError::NonFiniteFeature { ref feature, .. } if feature == "x"));
    }
}
