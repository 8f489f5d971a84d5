//! The `options` of `profile_train`, parsed and checked before any data is read.

use serde_json::Value as Json;

use super::linear::ClassWeight;
use super::model::Algorithm;
use super::split::Fractions;
use super::MlError;

/// When a newly trained version replaces the deployed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployPolicy {
    /// Deploy if nothing is deployed, or if the new version's test metric is at least
    /// the deployed version's on the same test rows.
    Auto,
    Always,
    Never,
}

/// The gradient-boosting hyperparameters, each a list of values to search over (one
/// value: no search). Every combination is trained and the best on the validation
/// rows kept.
#[derive(Debug, Clone, PartialEq)]
pub struct GbdtGrid {
    pub num_trees: Vec<u32>,
    pub learning_rate: Vec<f64>,
    pub num_leaves: Vec<u32>,
    /// -1: no limit.
    pub max_depth: Vec<i32>,
    pub min_data_in_leaf: Vec<u32>,
    pub feature_fraction: Vec<f64>,
    pub bagging_fraction: Vec<f64>,
    pub lambda_l2: Vec<f64>,
}

impl Default for GbdtGrid {
    /// LightGBM's own defaults.
    fn default() -> Self {
        GbdtGrid {
            num_trees: vec![100],
            learning_rate: vec![0.1],
            num_leaves: vec![31],
            max_depth: vec![-1],
            min_data_in_leaf: vec![20],
            feature_fraction: vec![1.0],
            bagging_fraction: vec![1.0],
            lambda_l2: vec![0.0],
        }
    }
}

/// One combination of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbdtParams {
    pub num_trees: u32,
    pub learning_rate: f64,
    pub num_leaves: u32,
    pub max_depth: i32,
    pub min_data_in_leaf: u32,
    pub feature_fraction: f64,
    pub bagging_fraction: f64,
    pub lambda_l2: f64,
}

impl GbdtGrid {
    /// Every combination, the first list varying slowest.
    pub fn combinations(&self) -> Vec<GbdtParams> {
        let mut out = Vec::new();
        for &num_trees in &self.num_trees {
            for &learning_rate in &self.learning_rate {
                for &num_leaves in &self.num_leaves {
                    for &max_depth in &self.max_depth {
                        for &min_data_in_leaf in &self.min_data_in_leaf {
                            for &feature_fraction in &self.feature_fraction {
                                for &bagging_fraction in &self.bagging_fraction {
                                    for &lambda_l2 in &self.lambda_l2 {
                                        out.push(GbdtParams {
                                            num_trees,
                                            learning_rate,
                                            num_leaves,
                                            max_depth,
                                            min_data_in_leaf,
                                            feature_fraction,
                                            bagging_fraction,
                                            lambda_l2,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// Options that only some algorithms take.
const GBDT_ONLY: [&str; 11] = [
    "num_trees",
    "learning_rate",
    "num_leaves",
    "max_depth",
    "min_data_in_leaf",
    "feature_fraction",
    "bagging_fraction",
    "lambda_l2",
    "early_stopping_rounds",
    "threads",
    "max_grid",
];
const LINEAR_ONLY: [&str; 3] = ["l2", "max_iter", "tolerance"];

#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub split: Fractions,
    pub seed: u64,
    /// L2 penalties to try; `None` means 1 / training rows (scikit-learn's `C = 1`).
    pub l2: Option<Vec<f64>>,
    pub max_iter: usize,
    pub tolerance: f64,
    pub class_weight: ClassWeight,
    pub max_categories: usize,
    pub positive: Option<String>,
    pub deploy: DeployPolicy,
    pub max_rows: Option<u64>,
    /// A text column naming each row's part of the split (`train`, `validation`,
    /// `test`) instead of the seeded random split.
    pub split_column: Option<String>,
    pub gbdt: GbdtGrid,
    /// Stop boosting when the validation loss has not improved for this many trees;
    /// `None`: never.
    pub early_stopping_rounds: Option<u32>,
    /// Training threads; `None`: the `pg_persona.threads` setting.
    pub threads: Option<u32>,
    /// The most combinations a gbdt grid may have.
    pub max_grid: usize,
    /// The keys the caller gave, in order.
    pub given: Vec<String>,
}

pub const DEFAULT_SEED: u64 = 42;

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            split: Fractions::default(),
            seed: DEFAULT_SEED,
            l2: None,
            max_iter: 500,
            tolerance: 1e-6,
            class_weight: ClassWeight::None,
            max_categories: 50,
            positive: None,
            deploy: DeployPolicy::Auto,
            max_rows: None,
            split_column: None,
            gbdt: GbdtGrid::default(),
            early_stopping_rounds: Some(10),
            threads: None,
            max_grid: 64,
            given: Vec::new(),
        }
    }
}

fn invalid(option: &'static str, reason: impl Into<String>) -> MlError {
    MlError::InvalidOption {
        option,
        reason: reason.into(),
    }
}

fn positive_number(option: &'static str, v: &Json) -> Result<f64, MlError> {
    match v.as_f64() {
        Some(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(invalid(
            option,
            format!("expected a positive number, got {v}"),
        )),
    }
}

/// A value or a non-empty array of values, each checked by `parse`.
fn list<T>(
    option: &'static str,
    v: &Json,
    expected: &str,
    parse: impl Fn(&Json) -> Option<T>,
) -> Result<Vec<T>, MlError> {
    let items = match v {
        Json::Array(items) if items.is_empty() => {
            return Err(invalid(option, "expected at least one value"))
        }
        Json::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .map(|x| parse(x).ok_or_else(|| invalid(option, format!("expected {expected}, got {x}"))))
        .collect()
}

fn integer_in(v: &Json, lo: i64, hi: i64) -> Option<i64> {
    v.as_i64().filter(|x| (lo..=hi).contains(x))
}

fn fraction(v: &Json) -> Option<f64> {
    v.as_f64().filter(|x| *x > 0.0 && *x <= 1.0)
}

fn positive_integer(option: &'static str, v: &Json) -> Result<u64, MlError> {
    match v.as_u64() {
        Some(x) if x > 0 => Ok(x),
        _ => Err(invalid(
            option,
            format!("expected a positive integer, got {v}"),
        )),
    }
}

impl TrainOptions {
    /// Reads a jsonb `options` object; unknown keys are errors, so a typo never goes
    /// unnoticed.
    pub fn from_json(json: &Json) -> Result<Self, MlError> {
        let mut o = TrainOptions::default();
        let Some(map) = json.as_object() else {
            return Err(invalid(
                "options",
                format!("expected a JSON object, got {json}"),
            ));
        };
        for (key, v) in map {
            match key.as_str() {
                "split" => {
                    let values: Option<Vec<f64>> = v
                        .as_array()
                        .map(|a| a.iter().map(|x| x.as_f64()).collect::<Option<_>>())
                        .unwrap_or(None);
                    o.split = Fractions::new(&values.unwrap_or_default())?;
                }
                "seed" => {
                    o.seed = v.as_u64().ok_or_else(|| {
                        invalid("seed", format!("expected a non-negative integer, got {v}"))
                    })?
                }
                "l2" => {
                    let values = match v {
                        Json::Array(items) if !items.is_empty() => items.clone(),
                        Json::Array(_) => return Err(invalid("l2", "expected at least one value")),
                        other => vec![other.clone()],
                    };
                    let mut l2 = Vec::with_capacity(values.len());
                    for x in &values {
                        match x.as_f64() {
                            Some(x) if x.is_finite() && x >= 0.0 => l2.push(x),
                            _ => {
                                return Err(invalid(
                                    "l2",
                                    format!("expected numbers >= 0, got {x}"),
                                ))
                            }
                        }
                    }
                    o.l2 = Some(l2);
                }
                "max_iter" => o.max_iter = positive_integer("max_iter", v)? as usize,
                "tolerance" => o.tolerance = positive_number("tolerance", v)?,
                "class_weight" => {
                    o.class_weight = match v.as_str() {
                        Some("balanced") => ClassWeight::Balanced,
                        Some("none") => ClassWeight::None,
                        _ => {
                            return Err(invalid(
                                "class_weight",
                                format!("expected \"balanced\" or \"none\", got {v}"),
                            ))
                        }
                    }
                }
                "max_categories" => {
                    o.max_categories = positive_integer("max_categories", v)? as usize
                }
                "positive" => {
                    o.positive = Some(match v {
                        Json::String(s) => s.clone(),
                        Json::Bool(_) | Json::Number(_) => v.to_string(),
                        _ => return Err(invalid("positive", format!("expected a label, got {v}"))),
                    })
                }
                "deploy" => {
                    o.deploy = match v.as_str() {
                        Some("auto") => DeployPolicy::Auto,
                        Some("always") => DeployPolicy::Always,
                        Some("never") => DeployPolicy::Never,
                        _ => {
                            return Err(invalid(
                                "deploy",
                                format!("expected \"auto\", \"always\" or \"never\", got {v}"),
                            ))
                        }
                    }
                }
                "max_rows" => o.max_rows = Some(positive_integer("max_rows", v)?),
                "split_column" => {
                    o.split_column = Some(
                        v.as_str()
                            .filter(|s| !s.is_empty())
                            .ok_or_else(|| {
                                invalid("split_column", format!("expected a column name, got {v}"))
                            })?
                            .to_string(),
                    )
                }
                "num_trees" => {
                    o.gbdt.num_trees = list(key_of(key), v, "integers from 1 to 100000", |x| {
                        integer_in(x, 1, 100_000).map(|x| x as u32)
                    })?
                }
                "learning_rate" => {
                    o.gbdt.learning_rate = list(key_of(key), v, "numbers > 0", |x| {
                        x.as_f64().filter(|x| x.is_finite() && *x > 0.0)
                    })?
                }
                "num_leaves" => {
                    o.gbdt.num_leaves = list(key_of(key), v, "integers from 2 to 131072", |x| {
                        integer_in(x, 2, 131_072).map(|x| x as u32)
                    })?
                }
                "max_depth" => {
                    o.gbdt.max_depth = list(
                        key_of(key),
                        v,
                        "-1 (no limit) or integers from 1 to 1000",
                        |x| {
                            integer_in(x, -1, 1000)
                                .filter(|x| *x != 0)
                                .map(|x| x as i32)
                        },
                    )?
                }
                "min_data_in_leaf" => {
                    o.gbdt.min_data_in_leaf =
                        list(key_of(key), v, "integers from 1 to 1000000000", |x| {
                            integer_in(x, 1, 1_000_000_000).map(|x| x as u32)
                        })?
                }
                "feature_fraction" => {
                    o.gbdt.feature_fraction = list(key_of(key), v, "numbers in (0, 1]", fraction)?
                }
                "bagging_fraction" => {
                    o.gbdt.bagging_fraction = list(key_of(key), v, "numbers in (0, 1]", fraction)?
                }
                "lambda_l2" => {
                    o.gbdt.lambda_l2 = list(key_of(key), v, "numbers >= 0", |x| {
                        x.as_f64().filter(|x| x.is_finite() && *x >= 0.0)
                    })?
                }
                "early_stopping_rounds" => {
                    o.early_stopping_rounds = match integer_in(v, 0, 100_000) {
                        Some(0) => None,
                        Some(n) => Some(n as u32),
                        None => {
                            return Err(invalid(
                                "early_stopping_rounds",
                                format!("expected an integer from 0 (off) to 100000, got {v}"),
                            ))
                        }
                    }
                }
                "threads" => {
                    o.threads = Some(integer_in(v, 1, 1024).map(|x| x as u32).ok_or_else(|| {
                        invalid(
                            "threads",
                            format!("expected an integer from 1 to 1024, got {v}"),
                        )
                    })?)
                }
                "max_grid" => o.max_grid = positive_integer("max_grid", v)? as usize,
                _ => return Err(MlError::UnknownOption(key.clone())),
            }
            o.given.push(key.clone());
        }
        let grid = o.gbdt.combinations().len();
        if grid > o.max_grid {
            return Err(invalid(
                "max_grid",
                format!(
                    "the gbdt options make {grid} combinations to train, more than max_grid ({})",
                    o.max_grid
                ),
            ));
        }
        Ok(o)
    }

    /// Refuses options the algorithm does not take (a gbdt option for a logistic
    /// model, say), so none is silently ignored.
    pub fn check_algorithm(&self, algorithm: Algorithm) -> Result<(), MlError> {
        for key in &self.given {
            let (applies, to) = if GBDT_ONLY.contains(&key.as_str()) {
                (algorithm == Algorithm::Gbdt, "algorithm \"gbdt\"")
            } else if LINEAR_ONLY.contains(&key.as_str()) {
                (
                    algorithm != Algorithm::Gbdt,
                    "algorithms \"logistic\" and \"linear\"",
                )
            } else {
                (true, "")
            };
            if !applies {
                return Err(MlError::OptionNotForAlgorithm {
                    option: key.clone(),
                    algorithm: algorithm.name(),
                    applies_to: to,
                });
            }
        }
        Ok(())
    }
}

/// The option's name with the static lifetime errors carry.
fn key_of(key: &str) -> &'static str {
    GBDT_ONLY
        .iter()
        .find(|k| **k == key)
        .copied()
        .unwrap_or("options")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_empty_object_gives_the_defaults() {
        assert_eq!(
            TrainOptions::from_json(&json!({})),
            Ok(TrainOptions::default())
        );
    }

    #[test]
    fn every_option_is_read() {
        let o = TrainOptions::from_json(&json!({
            "split": [0.8, 0.1, 0.1], "seed": 7, "l2": [0.1, 1], "max_iter": 50,
            "tolerance": 1e-4, "class_weight": "balanced", "max_categories": 5,
            "positive": "Yes", "deploy": "never", "max_rows": 1000
        }))
        .unwrap();
        assert_eq!(o.split, Fractions::new(&[0.8, 0.1, 0.1]).unwrap());
        assert_eq!((o.seed, o.max_iter, o.max_categories), (7, 50, 5));
        assert_eq!(o.l2, Some(vec![0.1, 1.0]));
        assert_eq!(o.class_weight, ClassWeight::Balanced);
        assert_eq!(o.positive.as_deref(), Some("Yes"));
        assert_eq!(o.deploy, DeployPolicy::Never);
        assert_eq!(o.max_rows, Some(1000));
        assert_eq!(
            TrainOptions::from_json(&json!({"l2": 0.5})).unwrap().l2,
            Some(vec![0.5])
        );
    }

    #[test]
    fn gbdt_options_take_a_value_or_a_list_to_search() {
        let o = TrainOptions::from_json(&json!({
            "num_trees": 50, "learning_rate": [0.05, 0.1], "num_leaves": [7, 31],
            "max_depth": 6, "min_data_in_leaf": 5, "feature_fraction": 0.8,
            "bagging_fraction": 0.7, "lambda_l2": [0, 1], "early_stopping_rounds": 0,
            "threads": 2, "split_column": "part"
        }))
        .unwrap();
        assert_eq!(o.gbdt.num_trees, vec![50]);
        assert_eq!(o.gbdt.combinations().len(), 8);
        assert_eq!(o.early_stopping_rounds, None);
        assert_eq!(o.threads, Some(2));
        assert_eq!(o.split_column.as_deref(), Some("part"));
        assert_eq!(o.check_algorithm(Algorithm::Gbdt), Ok(()));
        assert!(matches!(
            o.check_algorithm(Algorithm::Logistic),
            Err(MlError::OptionNotForAlgorithm {
                algorithm: "logistic",
                ..
            })
        ));
        let l2 = TrainOptions::from_json(&json!({"l2": 1, "seed": 3})).unwrap();
        assert!(l2.check_algorithm(Algorithm::Gbdt).is_err());
        assert_eq!(l2.check_algorithm(Algorithm::Linear), Ok(()));
        assert_eq!(TrainOptions::default().early_stopping_rounds, Some(10));
    }

    #[test]
    fn a_grid_larger_than_max_grid_is_refused() {
        let big = json!({"num_leaves": [3, 7, 15, 31], "lambda_l2": [0, 1, 10]});
        assert!(TrainOptions::from_json(&big).is_ok());
        let mut small = big.clone();
        small["max_grid"] = json!(11);
        assert!(matches!(
            TrainOptions::from_json(&small),
            Err(MlError::InvalidOption {
                option: "max_grid",
                ..
            })
        ));
    }

    #[test]
    fn bad_values_and_unknown_keys_are_errors() {
        for (options, option) in [
            (json!({"split": [0.5, 0.5]}), "split"),
            (json!({"seed": -1}), "seed"),
            (json!({"l2": -1}), "l2"),
            (json!({"l2": []}), "l2"),
            (json!({"max_iter": 0}), "max_iter"),
            (json!({"class_weight": "heavy"}), "class_weight"),
            (json!({"deploy": "sometimes"}), "deploy"),
            (json!({"num_leaves": 1}), "num_leaves"),
            (json!({"learning_rate": [0.1, -1]}), "learning_rate"),
            (json!({"max_depth": 0}), "max_depth"),
            (json!({"bagging_fraction": 0}), "bagging_fraction"),
            (json!({"num_trees": []}), "num_trees"),
            (
                json!({"early_stopping_rounds": -1}),
                "early_stopping_rounds",
            ),
            (json!({"threads": 0}), "threads"),
            (json!({"split_column": ""}), "split_column"),
            (json!([1, 2]), "options"),
        ] {
            match TrainOptions::from_json(&options) {
                Err(MlError::InvalidOption { option: o, .. }) => assert_eq!(o, option),
                other => panic!("{options}: {other:?}"),
            }
        }
        assert_eq!(
            TrainOptions::from_json(&json!({"l2_penalty": 1})),
            Err(MlError::UnknownOption("l2_penalty".into()))
        );
    }
}
