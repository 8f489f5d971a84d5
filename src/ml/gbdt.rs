//! Gradient-boosted trees with LightGBM: fitting on the encoded training rows with
//! early stopping on the validation rows, and the fitted model, stored as LightGBM's
//! own model text and read once into a `Forest` for scoring.

use std::cell::OnceCell;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::forest::Forest;
use super::lightgbm::{Booster, Dataset};
use super::model::Task;
use super::options::GbdtParams;
use super::MlError;

/// A fitted booster.
#[derive(Serialize, Deserialize)]
pub struct Gbdt {
    /// LightGBM's model text, cut at the best iteration.
    pub model: String,
    /// Inputs per row.
    pub width: usize,
    /// Trees per class kept (the best iteration).
    pub trees: u32,
    /// Total gain of the splits on each input.
    pub gain: Vec<f64>,
    #[serde(skip)]
    forest: OnceCell<Forest>,
}

impl Clone for Gbdt {
    fn clone(&self) -> Self {
        Gbdt {
            model: self.model.clone(),
            width: self.width,
            trees: self.trees,
            gain: self.gain.clone(),
            forest: OnceCell::new(),
        }
    }
}

impl PartialEq for Gbdt {
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model && self.gain == other.gain
    }
}

impl fmt::Debug for Gbdt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gbdt")
            .field("trees", &self.trees)
            .field("model_bytes", &self.model.len())
            .finish()
    }
}

impl Gbdt {
    /// Reads the model text (once; later calls reuse it).
    pub fn prepare(&self) -> Result<&Forest, MlError> {
        if let Some(f) = self.forest.get() {
            return Ok(f);
        }
        let f = Forest::parse(&self.model)?;
        if f.inputs() != self.width {
            return Err(MlError::LightGbm(format!(
                "the model text has {} inputs, not {}",
                f.inputs(),
                self.width
            )));
        }
        Ok(self.forest.get_or_init(|| f))
    }

    /// The prediction for one encoded row into `out` (1 value for binary and regression
    /// models, one per class for multiclass), as LightGBM computes it.
    pub fn predict(&self, x: &[f64], out: &mut [f64]) {
        self.prepare()
            .unwrap_or_else(|e| panic!("the stored LightGBM model cannot be read: {e}"))
            .predict(x, out);
    }
}

/// The rows of one part of the split, encoded, for LightGBM.
pub struct Rows<'a> {
    pub x: &'a [f64],
    /// The class index (classification) or the value (regression) of each row.
    pub labels: Vec<f32>,
    /// Weights of the rows (`class_weight`), if any.
    pub weights: Option<Vec<f32>>,
}

/// How to fit, besides the grid point.
pub struct FitSettings {
    /// The inputs' names, for the model text (see `lightgbm_names`).
    pub names: Vec<String>,
    pub task: Task,
    pub classes: usize,
    pub width: usize,
    pub early_stopping_rounds: Option<u32>,
    pub threads: u32,
    pub seed: u64,
}

/// What one iteration reached, for progress and cancellation.
pub struct Iteration {
    pub tree: u32,
    pub validation_loss: Option<f64>,
}

/// What fitting did.
pub struct FitReport {
    /// Trees trained (per class), including the ones early stopping dropped.
    pub trained: u32,
    /// Trees kept: the best iteration on the validation rows (or every one trained).
    pub kept: u32,
    /// The validation loss of the kept model.
    pub validation_loss: Option<f64>,
    pub stopped_early: bool,
}

/// Input names as LightGBM takes them: letters, digits and `_` (anything else becomes
/// `_`), made unique with a `_2`, `_3`... suffix.
pub fn lightgbm_names(names: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .map(|n| {
            let base: String = n
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let mut name = base.clone();
            let mut k = 1;
            while !seen.insert(name.clone()) {
                k += 1;
                name = format!("{base}_{k}");
            }
            name
        })
        .collect()
}

/// LightGBM's parameter string for one grid point.
pub fn parameters(params: &GbdtParams, s: &FitSettings) -> String {
    let objective = match s.task {
        Task::Binary => "objective=binary metric=binary_logloss".to_string(),
        Task::Multiclass => format!(
            "objective=multiclass num_class={} metric=multi_logloss",
            s.classes
        ),
        Task::Regression => "objective=regression metric=l2".to_string(),
    };
    // bagging_freq=1 turns bagging on when a fraction below 1 asks for it.
    let bagging_freq = u8::from(params.bagging_fraction < 1.0);
    format!(
        "{objective} boosting=gbdt learning_rate={} num_leaves={} max_depth={} \
         min_data_in_leaf={} feature_fraction={} bagging_fraction={} bagging_freq={bagging_freq} \
         lambda_l2={} num_threads={} seed={} deterministic=true force_row_wise=true \
         feature_pre_filter=false verbosity=-1",
        params.learning_rate,
        params.num_leaves,
        params.max_depth,
        params.min_data_in_leaf,
        params.feature_fraction,
        params.bagging_fraction,
        params.lambda_l2,
        s.threads,
        s.seed,
    )
}

/// The parameters of datasets, which bin the inputs: the same for every grid point.
pub fn dataset_parameters(s: &FitSettings) -> String {
    format!(
        "max_bin=255 feature_pre_filter=false verbosity=-1 num_threads={}",
        s.threads
    )
}

/// Fits one grid point. With validation rows and `early_stopping_rounds`, boosting
/// stops once the validation loss has not improved for that many trees and the model
/// keeps the best iteration. `each` sees every iteration and may stop the fit.
pub fn fit(
    train: &Rows<'_>,
    validation: Option<&Rows<'_>>,
    params: &GbdtParams,
    settings: &FitSettings,
    each: &mut dyn FnMut(Iteration) -> Result<(), MlError>,
) -> Result<(Gbdt, FitReport), MlError> {
    let data_params = dataset_parameters(settings);
    let mut train_set = Dataset::new(train.x, settings.width, &data_params, None)?;
    train_set.set_labels(&train.labels)?;
    if !settings.names.is_empty() {
        train_set.set_feature_names(&settings.names)?;
    }
    if let Some(w) = &train.weights {
        train_set.set_weights(w)?;
    }
    let valid_set = match validation {
        Some(v) if !v.labels.is_empty() => {
            let mut set = Dataset::new(v.x, settings.width, &data_params, Some(&train_set))?;
            set.set_labels(&v.labels)?;
            if let Some(w) = &v.weights {
                set.set_weights(w)?;
            }
            Some(set)
        }
        _ => None,
    };
    let mut booster = Booster::new(&train_set, &parameters(params, settings))?;
    if let Some(v) = &valid_set {
        booster.add_validation(v)?;
    }

    let mut best: Option<(f64, u32)> = None;
    let mut stopped_early = false;
    for tree in 1..=params.num_trees {
        let finished = booster.boost()?;
        if finished {
            break;
        }
        let loss = match &valid_set {
            Some(_) => Some(booster.eval(1)?),
            None => None,
        };
        each(Iteration {
            tree,
            validation_loss: loss,
        })?;
        if let Some(loss) = loss {
            if best.is_none_or(|(b, _)| loss < b) {
                best = Some((loss, tree));
            } else if let (Some(rounds), Some((_, at))) = (settings.early_stopping_rounds, best) {
                if tree - at >= rounds {
                    stopped_early = true;
                    break;
                }
            }
        }
    }
    let trained = booster.iterations()? as u32;
    let kept = match (settings.early_stopping_rounds, best) {
        (Some(_), Some((_, at))) => at,
        _ => trained,
    };
    let model = booster.save(kept as i32)?;
    let gain = booster.gain(kept as i32, settings.width)?;
    let validation_loss = match (settings.early_stopping_rounds, best) {
        (Some(_), Some((loss, _))) => Some(loss),
        _ if valid_set.is_some() => Some(booster.eval(1)?),
        _ => None,
    };
    Ok((
        Gbdt {
            model,
            width: settings.width,
            trees: kept,
            gain,
            forest: OnceCell::new(),
        },
        FitReport {
            trained,
            kept,
            validation_loss,
            stopped_early,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::metrics;
    use crate::ml::options::GbdtGrid;
    use crate::ml::rng::Rng;

    /// Rows of two inputs whose label is an interaction no linear model captures:
    /// positive when both are above 0.5 or both below.
    fn xor(n: usize, seed: u64) -> (Vec<f64>, Vec<f32>) {
        let mut rng = Rng::new(seed);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let (a, b) = (rng.uniform(), rng.uniform());
            x.extend([a, b]);
            let positive = (a > 0.5) == (b > 0.5);
            let flip = rng.uniform() < 0.05;
            y.push(f32::from(u8::from(positive != flip)));
        }
        (x, y)
    }

    #[test]
    fn input_names_become_names_lightgbm_takes() {
        let names =
            ["plan=Two year", "plan=<other>", "plan=<null>", "a b", "a_b"].map(String::from);
        assert_eq!(
            lightgbm_names(&names),
            [
                "plan_Two_year",
                "plan__other_",
                "plan__null_",
                "a_b",
                "a_b_2"
            ]
        );
    }

    fn settings(early_stopping_rounds: Option<u32>) -> FitSettings {
        FitSettings {
            names: vec!["a".into(), "b".into()],
            task: Task::Binary,
            classes: 2,
            width: 2,
            early_stopping_rounds,
            threads: 1,
            seed: 42,
        }
    }

    fn params(num_trees: u32) -> GbdtParams {
        GbdtParams {
            num_trees,
            ..GbdtGrid::default().combinations()[0]
        }
    }

    #[test]
    fn trees_learn_an_interaction_and_predict_as_saved() {
        let (x, y) = xor(2_000, 1);
        let (vx, vy) = xor(500, 2);
        let train = Rows {
            x: &x,
            labels: y,
            weights: None,
        };
        let valid = Rows {
            x: &vx,
            labels: vy.clone(),
            weights: None,
        };
        let mut seen = 0;
        let (model, report) = fit(
            &train,
            Some(&valid),
            &params(200),
            &settings(Some(10)),
            &mut |_| {
                seen += 1;
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, report.trained);
        assert!(
            report.stopped_early && report.kept < report.trained,
            "{}",
            report.trained
        );
        assert_eq!(model.trees, report.kept);

        let mut out = [0.0];
        let scores: Vec<f64> = vx
            .chunks(2)
            .map(|row| {
                model.predict(row, &mut out);
                out[0]
            })
            .collect();
        let labels: Vec<bool> = vy.iter().map(|&v| v == 1.0).collect();
        let auc = metrics::binary_classification(&labels, &scores, 0.5)
            .unwrap()
            .roc_auc
            .unwrap();
        assert!(auc > 0.9, "validation ROC AUC {auc}");

        // The stored text loads into a model that predicts the same.
        let reloaded: Gbdt = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        let mut again = [0.0];
        reloaded.predict(&vx[..2], &mut again);
        model.predict(&vx[..2], &mut out);
        assert_eq!(again, out);
        assert_eq!(model.gain.len(), 2);
        assert!(model.gain.iter().all(|g| *g > 0.0));
    }

    #[test]
    fn without_early_stopping_every_tree_is_kept() {
        let (x, y) = xor(500, 3);
        let train = Rows {
            x: &x,
            labels: y,
            weights: None,
        };
        let (model, report) =
            fit(&train, None, &params(15), &settings(None), &mut |_| Ok(())).unwrap();
        assert_eq!((report.trained, report.kept, model.trees), (15, 15, 15));
        assert!(!report.stopped_early);
    }

    #[test]
    fn the_callback_can_stop_training() {
        let (x, y) = xor(500, 4);
        let train = Rows {
            x: &x,
            labels: y,
            weights: None,
        };
        let result = fit(&train, None, &params(50), &settings(None), &mut |it| {
            if it.tree == 3 {
                Err(MlError::Cancelled)
            } else {
                Ok(())
            }
        });
        assert!(matches!(result, Err(MlError::Cancelled)));
    }

    /// The forest predicts what LightGBM itself predicts from the same text, for every
    /// task, on rows with missing values and zeros.
    #[test]
    fn the_forest_predicts_as_lightgbm_does() {
        use crate::ml::lightgbm::Predictor;
        let (mut x, y) = xor(1_500, 5);
        for (i, v) in x.iter_mut().enumerate() {
            if i % 17 == 0 {
                *v = f64::NAN;
            } else if i % 23 == 0 {
                *v = 0.0;
            }
        }
        let three: Vec<f32> = x
            .chunks(2)
            .map(|r| {
                if r[0].is_nan() {
                    2.0
                } else {
                    f32::from(r[0] > 0.5)
                }
            })
            .collect();
        let value: Vec<f32> = x.chunks(2).map(|r| (r[1] * 10.0) as f32).collect();
        for (task, classes, labels) in [
            (Task::Binary, 2, y),
            (Task::Multiclass, 3, three),
            (Task::Regression, 0, value),
        ] {
            let s = FitSettings {
                task,
                classes,
                ..settings(None)
            };
            let train = Rows {
                x: &x,
                labels,
                weights: None,
            };
            let (model, _) = fit(&train, None, &params(30), &s, &mut |_| Ok(())).unwrap();
            let outputs = if task == Task::Multiclass { classes } else { 1 };
            let lightgbm = Predictor::load(&model.model, 2, outputs).unwrap();
            let (mut ours, mut theirs) = (vec![0.0; outputs], vec![0.0; outputs]);
            for row in x.chunks(2) {
                model.predict(row, &mut ours);
                lightgbm.predict(row, &mut theirs).unwrap();
                for (a, b) in ours.iter().zip(&theirs) {
                    assert!((a - b).abs() <= 1e-12, "{task:?} {row:?}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn model_text_the_forest_does_not_support_is_an_error() {
        assert!(Forest::parse("tree\nversion=v4\n").is_err());
        let (x, y) = xor(300, 6);
        let train = Rows {
            x: &x,
            labels: y,
            weights: None,
        };
        let (model, _) = fit(&train, None, &params(3), &settings(None), &mut |_| Ok(())).unwrap();
        let categorical = model.model.replace("num_cat=0", "num_cat=1");
        assert!(Forest::parse(&categorical).is_err());
        let other = model
            .model
            .replace("objective=binary", "objective=lambdarank");
        assert!(Forest::parse(&other).is_err());
        assert!(Forest::parse(&model.model).is_ok());
    }

    #[test]
    fn lightgbm_errors_carry_its_message() {
        let err = crate::ml::lightgbm::Predictor::load("not a model", 2, 1)
            .err()
            .expect("an error");
        assert!(
            matches!(err, MlError::LightGbm(ref m) if !m.is_empty()),
            "{err}"
        );
    }
}
