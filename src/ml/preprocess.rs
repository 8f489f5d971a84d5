//! Preprocessing learned from the training rows and stored with the model, so scoring
//! applies exactly what training did:
//! - numeric features: NULL replaced by the training mean, then standardized;
//! - boolean features: 1/0, NULL replaced by the training share of `true`;
//! - categorical features: one-hot over the most frequent training categories (at most
//!   `max_categories`), plus an "other" slot for the rest and for categories never seen in
//!   training, and a slot of its own for NULL.
//!
//! Trees (`gbdt`) need no scaling and handle missing values themselves, so for them
//! numeric and boolean features go in as they are, NULL as a missing value (NaN);
//! categorical features are one-hot encoded as above.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::MlError;

/// One feature's values in the training rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Numeric(Vec<Option<f64>>),
    Boolean(Vec<Option<bool>>),
    Categorical(Vec<Option<String>>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Boolean(v) => v.len(),
            Column::Categorical(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One feature's value in one row, as scoring sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Number(f64),
    Bool(bool),
    Text(&'a str),
}

impl Value<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Text(_) => "text",
        }
    }
}

/// How one feature becomes model inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Encoder {
    Numeric {
        mean: f64,
        /// The training standard deviation, or 1 when it is 0.
        scale: f64,
    },
    Boolean {
        /// Share of `true` among the non-NULL training values; stands in for NULL.
        mean: f64,
    },
    /// A number as it is (trees); NULL is missing.
    Number,
    /// A boolean as 1/0 (trees); NULL is missing.
    Flag,
    Categorical(Categories),
}

/// The categories a categorical feature one-hot encodes, in slot order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "CategoriesRepr", into = "CategoriesRepr")]
pub struct Categories {
    categories: Vec<String>,
    slot: HashMap<String, usize>,
}

#[derive(Serialize, Deserialize)]
struct CategoriesRepr {
    categories: Vec<String>,
}

impl From<CategoriesRepr> for Categories {
    fn from(repr: CategoriesRepr) -> Self {
        Categories::new(repr.categories)
    }
}

impl From<Categories> for CategoriesRepr {
    fn from(c: Categories) -> Self {
        CategoriesRepr {
            categories: c.categories,
        }
    }
}

impl PartialEq for Categories {
    fn eq(&self, other: &Self) -> bool {
        self.categories == other.categories
    }
}

impl Categories {
    fn new(categories: Vec<String>) -> Self {
        let slot = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i))
            .collect();
        Categories { categories, slot }
    }

    pub fn names(&self) -> &[String] {
        &self.categories
    }
}

impl Encoder {
    /// Learns the encoding of `column` from its training rows.
    pub fn fit(feature: &str, column: &Column, max_categories: usize) -> Result<Self, MlError> {
        match column {
            Column::Numeric(values) => {
                let mut present = Vec::with_capacity(values.len());
                for &x in values.iter().flatten() {
                    if !x.is_finite() {
                        return Err(MlError::NonFiniteFeature {
                            feature: feature.to_string(),
                            value: x,
                        });
                    }
                    present.push(x);
                }
                let (mean, sd) = mean_and_sd(&present);
                Ok(Encoder::Numeric {
                    mean,
                    scale: if sd > 0.0 { sd } else { 1.0 },
                })
            }
            Column::Boolean(values) => {
                let present: Vec<f64> = values.iter().flatten().map(|&b| f64::from(b)).collect();
                Ok(Encoder::Boolean {
                    mean: mean_and_sd(&present).0,
                })
            }
            Column::Categorical(values) => {
                let mut counts: HashMap<&str, usize> = HashMap::new();
                for v in values.iter().flatten() {
                    *counts.entry(v.as_str()).or_default() += 1;
                }
                let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
                // Most frequent first; ties by name so the encoding is deterministic.
                ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                ranked.truncate(max_categories);
                Ok(Encoder::Categorical(Categories::new(
                    ranked.into_iter().map(|(c, _)| c.to_string()).collect(),
                )))
            }
        }
    }

    /// Learns the encoding of `column` for trees: numbers and booleans as they are
    /// (with NULL missing), categories one-hot.
    pub fn fit_for_trees(
        feature: &str,
        column: &Column,
        max_categories: usize,
    ) -> Result<Self, MlError> {
        match column {
            Column::Numeric(values) => {
                if let Some(&x) = values.iter().flatten().find(|x| !x.is_finite()) {
                    return Err(MlError::NonFiniteFeature {
                        feature: feature.to_string(),
                        value: x,
                    });
                }
                Ok(Encoder::Number)
            }
            Column::Boolean(_) => Ok(Encoder::Flag),
            Column::Categorical(_) => Encoder::fit(feature, column, max_categories),
        }
    }

    /// How many model inputs this feature becomes.
    pub fn width(&self) -> usize {
        match self {
            Encoder::Numeric { .. } | Encoder::Boolean { .. } | Encoder::Number | Encoder::Flag => {
                1
            }
            // The categories, then "other", then NULL.
            Encoder::Categorical(c) => c.categories.len() + 2,
        }
    }

    /// Writes the encoding of `value` into `out` (exactly `width()` slots).
    pub fn encode(&self, feature: &str, value: Value<'_>, out: &mut [f64]) -> Result<(), MlError> {
        debug_assert_eq!(out.len(), self.width());
        let wrong = |expected: &'static str| MlError::WrongType {
            feature: feature.to_string(),
            expected,
            got: value.kind(),
        };
        match (self, value) {
            (Encoder::Numeric { mean, scale }, Value::Number(x)) => {
                if !x.is_finite() {
                    return Err(MlError::NonFiniteFeature {
                        feature: feature.to_string(),
                        value: x,
                    });
                }
                out[0] = (x - mean) / scale;
            }
            (Encoder::Numeric { .. }, Value::Null) => out[0] = 0.0,
            (Encoder::Numeric { .. }, _) => return Err(wrong("number")),
            (Encoder::Number, Value::Number(x)) => {
                if !x.is_finite() {
                    return Err(MlError::NonFiniteFeature {
                        feature: feature.to_string(),
                        value: x,
                    });
                }
                out[0] = x;
            }
            (Encoder::Number | Encoder::Flag, Value::Null) => out[0] = f64::NAN,
            (Encoder::Number, _) => return Err(wrong("number")),
            (Encoder::Flag, Value::Bool(b)) => out[0] = f64::from(b),
            (Encoder::Flag, _) => return Err(wrong("boolean")),
            (Encoder::Boolean { .. }, Value::Bool(b)) => out[0] = f64::from(b),
            (Encoder::Boolean { mean }, Value::Null) => out[0] = *mean,
            (Encoder::Boolean { .. }, _) => return Err(wrong("boolean")),
            (Encoder::Categorical(c), Value::Text(s)) => {
                out.fill(0.0);
                let other = c.categories.len();
                out[c.slot.get(s).copied().unwrap_or(other)] = 1.0;
            }
            (Encoder::Categorical(c), Value::Null) => {
                out.fill(0.0);
                out[c.categories.len() + 1] = 1.0;
            }
            (Encoder::Categorical(_), _) => return Err(wrong("text")),
        }
        Ok(())
    }
}

fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(e: &Encoder, v: Value<'_>) -> Vec<f64> {
        let mut out = vec![f64::NAN; e.width()];
        e.encode("f", v, &mut out).unwrap();
        out
    }

    #[test]
    fn numeric_is_standardized_and_null_becomes_the_mean() {
        let col = Column::Numeric(vec![Some(1.0), Some(3.0), None, Some(5.0)]);
        let e = Encoder::fit("f", &col, 50).unwrap();
        let sd = (8.0f64 / 3.0).sqrt();
        assert_eq!(
            e,
            Encoder::Numeric {
                mean: 3.0,
                scale: sd
            }
        );
        assert_eq!(encode(&e, Value::Number(5.0)), vec![2.0 / sd]);
        assert_eq!(encode(&e, Value::Null), vec![0.0]);
    }

    #[test]
    fn a_constant_numeric_column_is_not_divided_by_zero() {
        let e = Encoder::fit("f", &Column::Numeric(vec![Some(2.0); 3]), 50).unwrap();
        assert_eq!(encode(&e, Value::Number(4.0)), vec![2.0]);
    }

    #[test]
    fn boolean_is_0_1_and_null_the_share_of_true() {
        let col = Column::Boolean(vec![Some(true), Some(false), Some(true), None, Some(true)]);
        let e = Encoder::fit("f", &col, 50).unwrap();
        assert_eq!(encode(&e, Value::Bool(true)), vec![1.0]);
        assert_eq!(encode(&e, Value::Bool(false)), vec![0.0]);
        assert_eq!(encode(&e, Value::Null), vec![0.75]);
    }

    #[test]
    fn categories_one_hot_with_other_and_null_slots() {
        let col = Column::Categorical(
            ["b", "a", "b", "c", "c", "b", "d"]
                .iter()
                .map(|s| Some(s.to_string()))
                .chain([None])
                .collect(),
        );
        // Keep the two most frequent: b (3), c (2); a and d go to "other".
        let e = Encoder::fit("plan", &col, 2).unwrap();
        let Encoder::Categorical(c) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(c.names(), ["b", "c"]);
        assert_eq!(encode(&e, Value::Text("b")), vec![1.0, 0.0, 0.0, 0.0]);
        assert_eq!(encode(&e, Value::Text("c")), vec![0.0, 1.0, 0.0, 0.0]);
        assert_eq!(encode(&e, Value::Text("a")), vec![0.0, 0.0, 1.0, 0.0]);
        assert_eq!(
            encode(&e, Value::Text("never seen")),
            vec![0.0, 0.0, 1.0, 0.0]
        );
        assert_eq!(encode(&e, Value::Null), vec![0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn equal_counts_rank_by_name() {
        let col = Column::Categorical(vec![Some("y".into()), Some("x".into())]);
        let Encoder::Categorical(c) = Encoder::fit("f", &col, 50).unwrap() else {
            panic!()
        };
        assert_eq!(c.names(), ["x", "y"]);
    }

    #[test]
    fn encoders_round_trip_through_json() {
        let col = Column::Categorical(vec![Some("a".into()), Some("b".into()), Some("a".into())]);
        for e in [
            Encoder::fit("f", &col, 50).unwrap(),
            Encoder::Numeric {
                mean: 1.5,
                scale: 2.0,
            },
            Encoder::Boolean { mean: 0.25 },
        ] {
            let json = serde_json::to_string(&e).unwrap();
            let back: Encoder = serde_json::from_str(&json).unwrap();
            assert_eq!(back, e, "{json}");
            assert_eq!(encode(&back, Value::Null), encode(&e, Value::Null));
        }
        let back: Encoder =
            serde_json::from_str(r#"{"kind":"categorical","categories":["a","b"]}"#).unwrap();
        assert_eq!(encode(&back, Value::Text("b")), vec![0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn bad_values_are_errors_naming_the_feature() {
        let e = Encoder::fit("age", &Column::Numeric(vec![Some(1.0)]), 50).unwrap();
        let mut out = [0.0];
        assert_eq!(
            e.encode("age", Value::Text("old"), &mut out),
            Err(MlError::WrongType {
                feature: "age".into(),
                expected: "number",
                got: "text"
            })
        );
        assert!(matches!(
            e.encode("age", Value::Number(f64::NAN), &mut out),
            Err(MlError::NonFiniteFeature { .. })
        ));
        assert_eq!(
            Encoder::fit(
                "age",
                &Column::Numeric(vec![Some(1.0), Some(f64::INFINITY)]),
                50
            ),
            Err(MlError::NonFiniteFeature {
                feature: "age".into(),
                value: f64::INFINITY
            })
        );
    }
}
