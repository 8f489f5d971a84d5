//! A trained model as the catalog stores it: the preprocessing of every feature, the
//! class labels and the fitted estimator. Scoring goes through here on every input path,
//! so training and scoring cannot encode a row differently.

use serde::{Deserialize, Serialize};

use super::gbdt::Gbdt;
use super::linear::{Linear, Logistic};
use super::preprocess::{Encoder, Value};
use super::MlError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    Logistic,
    Linear,
    Gbdt,
}

impl Algorithm {
    pub fn parse(name: &str) -> Result<Self, MlError> {
        match name {
            "logistic" => Ok(Algorithm::Logistic),
            "linear" => Ok(Algorithm::Linear),
            "gbdt" => Ok(Algorithm::Gbdt),
            other => Err(MlError::UnknownAlgorithm(other.to_string())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Logistic => "logistic",
            Algorithm::Linear => "linear",
            Algorithm::Gbdt => "gbdt",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Binary,
    Multiclass,
    Regression,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        }
    }
}

/// One input column and how it is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    pub name: String,
    pub encoder: Encoder,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Estimator {
    Logistic(Logistic),
    Linear(Linear),
    Gbdt(Gbdt),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub algorithm: Algorithm,
    pub task: Task,
    pub features: Vec<Feature>,
    /// Class labels as text, in the estimator's order; for a binary model
    /// `[negative, positive]`. Empty for regression.
    pub classes: Vec<String>,
    pub estimator: Estimator,
}

impl Model {
    /// How many numbers the features encode into.
    pub fn width(&self) -> usize {
        self.features.iter().map(|f| f.encoder.width()).sum()
    }

    /// Encodes one row, given its feature values in `self.features` order, into `x`
    /// (`width()` long).
    pub fn encode(&self, values: &[Value<'_>], x: &mut [f64]) -> Result<(), MlError> {
        let mut at = 0;
        for (feature, value) in self.features.iter().zip(values) {
            let w = feature.encoder.width();
            feature
                .encoder
                .encode(&feature.name, *value, &mut x[at..at + w])?;
            at += w;
        }
        Ok(())
    }

    /// Class probabilities of an encoded row into `probabilities` (`classes.len()`
    /// long); for regression, writes nothing.
    pub fn probabilities(&self, x: &[f64], probabilities: &mut [f64]) {
        match &self.estimator {
            Estimator::Logistic(m) => m.probabilities(x, probabilities),
            Estimator::Gbdt(m) if self.task != Task::Regression => {
                m.predict(x, probabilities);
                if self.task == Task::Binary {
                    // LightGBM gives the positive class's probability alone.
                    probabilities[1] = probabilities[0];
                    probabilities[0] = 1.0 - probabilities[1];
                }
            }
            _ => {}
        }
    }

    /// The score of an encoded row: the positive class's probability (binary), the most
    /// likely class's probability (multiclass) or the predicted value (regression).
    /// `scratch` holds `classes.len()` numbers.
    pub fn score(&self, x: &[f64], scratch: &mut [f64]) -> f64 {
        match &self.estimator {
            Estimator::Linear(m) => m.predict(x),
            Estimator::Gbdt(m) if self.task == Task::Regression => {
                m.predict(x, scratch);
                scratch[0]
            }
            Estimator::Logistic(_) | Estimator::Gbdt(_) => {
                self.probabilities(x, scratch);
                if self.task == Task::Binary {
                    scratch[1]
                } else {
                    scratch[argmax(scratch)]
                }
            }
        }
    }

    /// The predicted label of an encoded row (for regression, the value as text).
    pub fn predict(&self, x: &[f64], scratch: &mut [f64]) -> String {
        match &self.estimator {
            Estimator::Linear(m) => m.predict(x).to_string(),
            Estimator::Gbdt(m) if self.task == Task::Regression => {
                m.predict(x, scratch);
                scratch[0].to_string()
            }
            Estimator::Logistic(_) | Estimator::Gbdt(_) => {
                self.probabilities(x, scratch);
                let k = if self.task == Task::Binary {
                    usize::from(scratch[1] >= 0.5)
                } else {
                    argmax(scratch)
                };
                self.classes[k].clone()
            }
        }
    }
}

/// The index of the largest value; the first one on ties.
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (k, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = k;
        }
    }
    best
}
