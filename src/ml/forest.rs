//! LightGBM's model text read into flat arrays, and evaluated as LightGBM evaluates it,
//! so that scoring a row walks the trees in place: no call into LightGBM and no
//! allocation per row. Only what pg_persona trains is accepted (numerical splits; the
//! binary, multiclass and regression objectives); anything else is an error at load.

use super::MlError;

/// LightGBM's `kZeroThreshold`: values this close to zero count as zero.
const ZERO: f64 = 1e-35_f32 as f64;
const DEFAULT_LEFT: u8 = 2;
const CATEGORICAL: u8 = 1;
const MISSING_ZERO: u8 = 1;
const MISSING_NAN: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Objective {
    /// Probability of the positive class: `1 / (1 + exp(-sigmoid · raw))`.
    Binary { sigmoid: f64 },
    /// Class probabilities: the softmax of the raw scores.
    Multiclass,
    /// The raw score itself.
    Regression,
}

/// One tree: internal nodes `0..n-1`, children below 0 naming leaf `!child`.
#[derive(Debug, Clone, PartialEq)]
struct Tree {
    feature: Vec<usize>,
    threshold: Vec<f64>,
    decision: Vec<u8>,
    left: Vec<i32>,
    right: Vec<i32>,
    leaf: Vec<f64>,
}

impl Tree {
    fn predict(&self, x: &[f64]) -> f64 {
        if self.feature.is_empty() {
            return self.leaf[0];
        }
        let mut node = 0i32;
        while node >= 0 {
            let n = node as usize;
            let mut v = x[self.feature[n]];
            let missing = (self.decision[n] >> 2) & 3;
            // LightGBM reads a row's near-zero values as 0, and NaN as 0 unless the
            // split routes NaN itself.
            if (v.is_nan() && missing != MISSING_NAN) || (-ZERO..=ZERO).contains(&v) {
                v = 0.0;
            }
            let default = (missing == MISSING_ZERO && (-ZERO..=ZERO).contains(&v))
                || (missing == MISSING_NAN && v.is_nan());
            let go_left = if default {
                self.decision[n] & DEFAULT_LEFT != 0
            } else {
                v <= self.threshold[n]
            };
            node = if go_left { self.left[n] } else { self.right[n] };
        }
        self.leaf[!node as usize]
    }
}

/// A boosted model: trees in iteration order, `per_iteration` of them per iteration
/// (one per class for multiclass).
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    trees: Vec<Tree>,
    per_iteration: usize,
    inputs: usize,
    objective: Objective,
}

fn bad(what: impl Into<String>) -> MlError {
    MlError::LightGbm(format!("unsupported model text: {}", what.into()))
}

fn numbers<T: std::str::FromStr>(key: &str, value: &str) -> Result<Vec<T>, MlError> {
    value
        .split_whitespace()
        .map(|v| v.parse().map_err(|_| bad(format!("{key} holds {v:?}"))))
        .collect()
}

impl Forest {
    /// Reads LightGBM's model text.
    pub fn parse(text: &str) -> Result<Self, MlError> {
        let mut header = true;
        let mut per_iteration = 1;
        let mut inputs = 0;
        let mut objective = None;
        let mut trees = Vec::new();
        let mut current: Option<Vec<(String, String)>> = None;
        let finish = |fields: Vec<(String, String)>, inputs: usize| -> Result<Tree, MlError> {
            let get = |key: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
            };
            let leaves: usize = get("num_leaves")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad("a tree without num_leaves"))?;
            if get("num_cat").is_some_and(|v| v != "0") {
                return Err(bad("categorical splits"));
            }
            if get("is_linear").is_some_and(|v| v != "0") {
                return Err(bad("linear trees"));
            }
            let leaf: Vec<f64> = numbers("leaf_value", get("leaf_value").unwrap_or(""))?;
            if leaf.len() != leaves {
                return Err(bad("leaf_value does not match num_leaves"));
            }
            let internal = |key: &str| get(key).unwrap_or("");
            let tree = if leaves == 1 {
                Tree {
                    feature: vec![],
                    threshold: vec![],
                    decision: vec![],
                    left: vec![],
                    right: vec![],
                    leaf,
                }
            } else {
                Tree {
                    feature: numbers("split_feature", internal("split_feature"))?,
                    threshold: numbers("threshold", internal("threshold"))?,
                    decision: numbers("decision_type", internal("decision_type"))?,
                    left: numbers("left_child", internal("left_child"))?,
                    right: numbers("right_child", internal("right_child"))?,
                    leaf,
                }
            };
            let n = leaves - 1;
            let shapes_fit = tree.feature.len() == n
                && tree.threshold.len() == n
                && tree.decision.len() == n
                && tree.left.len() == n
                && tree.right.len() == n;
            let in_range = |c: &i32| {
                if *c >= 0 {
                    (*c as usize) < n
                } else {
                    (!*c as usize) < leaves
                }
            };
            if !shapes_fit
                || tree.feature.iter().any(|f| *f >= inputs)
                || tree.decision.iter().any(|d| d & CATEGORICAL != 0)
                || !tree.left.iter().chain(&tree.right).all(in_range)
            {
                return Err(bad("a tree whose arrays do not fit together"));
            }
            Ok(tree)
        };

        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("Tree=") {
                header = false;
                if let Some(fields) = current.take() {
                    trees.push(finish(fields, inputs)?);
                }
                current = Some(Vec::new());
                continue;
            }
            if line == "end of trees" {
                if let Some(fields) = current.take() {
                    trees.push(finish(fields, inputs)?);
                }
                break;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            if let Some(fields) = current.as_mut() {
                fields.push((key.to_string(), value.to_string()));
            } else if header {
                match key {
                    "num_tree_per_iteration" => {
                        per_iteration = value.parse().map_err(|_| bad("num_tree_per_iteration"))?
                    }
                    "max_feature_idx" => {
                        inputs = value.parse::<usize>().map_err(|_| bad("max_feature_idx"))? + 1
                    }
                    "objective" => {
                        let mut parts = value.split_whitespace();
                        objective = Some(match parts.next() {
                            Some("binary") => {
                                let sigmoid = parts
                                    .find_map(|p| p.strip_prefix("sigmoid:"))
                                    .and_then(|s| s.parse().ok())
                                    .ok_or_else(|| bad("binary objective without sigmoid"))?;
                                Objective::Binary { sigmoid }
                            }
                            Some("multiclass") => Objective::Multiclass,
                            Some("regression") if parts.next().is_none() => Objective::Regression,
                            _ => return Err(bad(format!("objective {value}"))),
                        })
                    }
                    "average_output" => return Err(bad("averaged output (random forest)")),
                    _ => {}
                }
            }
        }
        let objective = objective.ok_or_else(|| bad("no objective"))?;
        if per_iteration == 0 || trees.is_empty() || trees.len() % per_iteration != 0 {
            return Err(bad("a number of trees that is not whole iterations"));
        }
        Ok(Forest {
            trees,
            per_iteration,
            inputs,
            objective,
        })
    }

    /// Inputs per row.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Predicts one row into `out`: the positive class's probability (binary, 1 value),
    /// the class probabilities (multiclass, one per class) or the value (regression).
    pub fn predict(&self, x: &[f64], out: &mut [f64]) {
        debug_assert!(x.len() >= self.inputs);
        let k = self.per_iteration;
        let out = &mut out[..k];
        out.fill(0.0);
        for iteration in self.trees.chunks(k) {
            for (o, tree) in out.iter_mut().zip(iteration) {
                *o += tree.predict(x);
            }
        }
        match self.objective {
            Objective::Binary { sigmoid } => out[0] = 1.0 / (1.0 + (-sigmoid * out[0]).exp()),
            Objective::Multiclass => {
                let max = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut sum = 0.0;
                for o in out.iter_mut() {
                    *o = (*o - max).exp();
                    sum += *o;
                }
                for o in out.iter_mut() {
                    *o /= sum;
                }
            }
            Objective::Regression => {}
        }
    }
}
