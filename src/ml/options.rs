//! The `options` of `profile_train`, parsed and checked before any data is read.

use serde_json::Value as Json;

use super::linear::ClassWeight;
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
                _ => return Err(MlError::UnknownOption(key.clone())),
            }
        }
        Ok(o)
    }
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
    fn bad_values_and_unknown_keys_are_errors() {
        for (options, option) in [
            (json!({"split": [0.5, 0.5]}), "split"),
            (json!({"seed": -1}), "seed"),
            (json!({"l2": -1}), "l2"),
            (json!({"l2": []}), "l2"),
            (json!({"max_iter": 0}), "max_iter"),
            (json!({"class_weight": "heavy"}), "class_weight"),
            (json!({"deploy": "sometimes"}), "deploy"),
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
