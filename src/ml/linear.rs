//! Logistic regression (binary and multinomial) and linear regression on preprocessed,
//! dense inputs. Both fit an unpenalized intercept and an L2 penalty on the coefficients:
//!
//! - logistic: minimizes mean(w·log loss) + l2/2·‖β‖², with L-BFGS;
//! - linear: minimizes mean((y − ŷ)²)/2 + l2/2·‖β‖², exactly, by Cholesky on the normal
//!   equations.
//!
//! (scikit-learn's `C` corresponds to 1 / (l2 · rows).)

use serde::{Deserialize, Serialize};

use super::lbfgs::{self, dot, Iteration};
use super::MlError;

/// A dense, row-major matrix of model inputs.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a> {
    pub data: &'a [f64],
    pub cols: usize,
}

impl<'a> Matrix<'a> {
    pub fn new(data: &'a [f64], cols: usize) -> Self {
        assert!(cols > 0 && data.len().is_multiple_of(cols), "matrix shape");
        Matrix { data, cols }
    }

    pub fn rows(&self) -> usize {
        self.data.len() / self.cols
    }

    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
}

/// How rows of each class weigh in the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every row counts once.
    None,
    /// Rows weigh rows / (classes · rows of their class), so rare classes count as much
    /// as common ones.
    Balanced,
}

#[derive(Debug, Clone, Copy)]
pub struct LogisticOptions {
    pub l2: f64,
    pub max_iter: usize,
    pub tolerance: f64,
    pub class_weight: ClassWeight,
}

/// How a fit went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    pub iterations: usize,
    pub converged: bool,
    pub loss: f64,
}

/// A fitted logistic regression. Binary models have one row of coefficients (for class
/// 1, the positive class); multinomial models one per class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub classes: usize,
    pub inputs: usize,
    /// `rows × inputs`, row-major.
    pub coefficients: Vec<f64>,
    pub intercepts: Vec<f64>,
}

impl Logistic {
    fn rows_of_coefficients(classes: usize) -> usize {
        if classes == 2 {
            1
        } else {
            classes
        }
    }

    /// Writes the probability of each class into `out` (`classes` slots).
    pub fn probabilities(&self, x: &[f64], out: &mut [f64]) {
        debug_assert_eq!(x.len(), self.inputs);
        if self.classes == 2 {
            let p = sigmoid(self.intercepts[0] + dot(&self.coefficients, x));
            out[0] = 1.0 - p;
            out[1] = p;
        } else {
            for (k, o) in out.iter_mut().enumerate() {
                let beta = &self.coefficients[k * self.inputs..(k + 1) * self.inputs];
                *o = self.intercepts[k] + dot(beta, x);
            }
            softmax(out);
        }
    }

    /// Fits a model to `x` and class indices `y` (each below `classes`, which is at
    /// least 2). `each_iteration` sees every L-BFGS iteration and may stop the fit.
    pub fn fit(
        x: Matrix<'_>,
        y: &[u32],
        classes: usize,
        options: LogisticOptions,
        each_iteration: impl FnMut(Iteration) -> Result<(), MlError>,
    ) -> Result<(Logistic, FitReport), MlError> {
        assert_eq!(x.rows(), y.len(), "one label per row");
        assert!(classes >= 2 && y.iter().all(|&c| (c as usize) < classes));
        let weights = row_weights(y, classes, options.class_weight);
        let total_weight: f64 = weights.iter().sum();
        let p = x.cols;
        let r = Self::rows_of_coefficients(classes);
        let l2 = options.l2;
        let mut z = vec![0.0; r];

        // Parameters: r rows of p coefficients, then r intercepts.
        let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
            grad.fill(0.0);
            let (beta, intercepts) = theta.split_at(r * p);
            let mut loss = 0.0;
            for i in 0..y.len() {
                let xi = x.row(i);
                let w = weights[i] / total_weight;
                for k in 0..r {
                    z[k] = intercepts[k] + dot(&beta[k * p..(k + 1) * p], xi);
                }
                let label = y[i] as usize;
                if r == 1 {
                    let target = f64::from(label == 1);
                    loss += w * (softplus(z[0]) - target * z[0]);
                    z[0] = w * (sigmoid(z[0]) - target);
                } else {
                    loss += w * (log_sum_exp(&z) - z[label]);
                    softmax(&mut z);
                    z[label] -= 1.0;
                    z.iter_mut().for_each(|d| *d *= w);
                }
                // z now holds d loss / d z_k for this row.
                for k in 0..r {
                    let g = &mut grad[k * p..(k + 1) * p];
                    for (gj, xj) in g.iter_mut().zip(xi) {
                        *gj += z[k] * xj;
                    }
                    grad[r * p + k] += z[k];
                }
            }
            for j in 0..r * p {
                loss += 0.5 * l2 * beta[j] * beta[j];
                grad[j] += l2 * beta[j];
            }
            loss
        };

        let minimum = lbfgs::minimize(
            objective,
            vec![0.0; r * p + r],
            lbfgs::Options {
                max_iter: options.max_iter,
                tolerance: options.tolerance,
                memory: 10,
            },
            each_iteration,
        )?;
        let (beta, intercepts) = minimum.x.split_at(r * p);
        Ok((
            Logistic {
                classes,
                inputs: p,
                coefficients: beta.to_vec(),
                intercepts: intercepts.to_vec(),
            },
            FitReport {
                iterations: minimum.iterations,
                converged: minimum.converged,
                loss: minimum.loss,
            },
        ))
    }
}

/// A fitted linear regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    pub coefficients: Vec<f64>,
    pub intercept: f64,
}

impl Linear {
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.intercept + dot(&self.coefficients, x)
    }

    /// Fits `y` on `x` exactly. Columns that are exact combinations of others (one-hot
    /// slots that never occur, say) are handled by a tiny ridge on the diagonal.
    pub fn fit(x: Matrix<'_>, y: &[f64], l2: f64) -> Result<(Linear, FitReport), MlError> {
        assert_eq!(x.rows(), y.len(), "one target per row");
        let p = x.cols;
        let d = p + 1; // the intercept is the last unknown
        let n = y.len() as f64;
        let mut gram = vec![0.0; d * d];
        let mut rhs = vec![0.0; d];
        let mut row = vec![1.0; d];
        for (i, &yi) in y.iter().enumerate() {
            row[..p].copy_from_slice(x.row(i));
            for a in 0..d {
                let ra = row[a];
                rhs[a] += ra * yi;
                for b in 0..=a {
                    gram[a * d + b] += ra * row[b];
                }
            }
        }
        for a in 0..d {
            rhs[a] /= n;
            for b in 0..=a {
                gram[a * d + b] /= n;
                gram[b * d + a] = gram[a * d + b];
            }
        }
        let mean_diagonal = (0..p).map(|j| gram[j * d + j]).sum::<f64>() / p.max(1) as f64;
        for j in 0..p {
            gram[j * d + j] += l2 + 1e-10 * mean_diagonal.max(1e-300);
        }
        let theta = cholesky_solve(&mut gram, &mut rhs, d).ok_or(MlError::Singular)?;
        let model = Linear {
            coefficients: theta[..p].to_vec(),
            intercept: theta[p],
        };
        let loss = x
            .data
            .chunks(p)
            .zip(y)
            .map(|(xi, yi)| (yi - model.predict(xi)).powi(2))
            .sum::<f64>()
            / (2.0 * n)
            + 0.5 * l2 * dot(&model.coefficients, &model.coefficients);
        Ok((
            model,
            FitReport {
                iterations: 1,
                converged: true,
                loss,
            },
        ))
    }
}

/// Solves `a · x = b` for a symmetric positive definite `a` (n×n, overwritten by its
/// Cholesky factor); `None` if `a` is not positive definite.
fn cholesky_solve(a: &mut [f64], b: &mut [f64], n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut diag = a[j * n + j];
        for k in 0..j {
            diag -= a[j * n + k] * a[j * n + k];
        }
        if diag <= 0.0 || !diag.is_finite() {
            return None;
        }
        let diag = diag.sqrt();
        a[j * n + j] = diag;
        for i in j + 1..n {
            let mut v = a[i * n + j];
            for k in 0..j {
                v -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = v / diag;
        }
    }
    // L·z = b, then Lᵀ·x = z.
    for i in 0..n {
        for k in 0..i {
            b[i] -= a[i * n + k] * b[k];
        }
        b[i] /= a[i * n + i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            b[i] -= a[k * n + i] * b[k];
        }
        b[i] /= a[i * n + i];
    }
    Some(b.to_vec())
}

pub(crate) fn row_weights(y: &[u32], classes: usize, class_weight: ClassWeight) -> Vec<f64> {
    match class_weight {
        ClassWeight::None => vec![1.0; y.len()],
        ClassWeight::Balanced => {
            let mut counts = vec![0usize; classes];
            for &c in y {
                counts[c as usize] += 1;
            }
            let n = y.len() as f64;
            y.iter()
                .map(|&c| n / (classes as f64 * counts[c as usize] as f64))
                .collect()
        }
    }
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + eᶻ) without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn log_sum_exp(z: &[f64]) -> f64 {
    let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

fn softmax(z: &mut [f64]) {
    let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    z.iter_mut().for_each(|v| *v /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::metrics::roc_auc;
    use crate::ml::rng::Rng;

    const OPTIONS: LogisticOptions = LogisticOptions {
        l2: 0.0,
        max_iter: 1000,
        tolerance: 1e-8,
        class_weight: ClassWeight::None,
    };

    /// Rows of standard normal inputs and labels drawn from a logistic model.
    fn logistic_data(n: usize, beta: &[f64], intercept: f64, seed: u64) -> (Vec<f64>, Vec<u32>) {
        let mut rng = Rng::new(seed);
        let mut x = Vec::with_capacity(n * beta.len());
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let row: Vec<f64> = beta.iter().map(|_| rng.normal()).collect();
            let p = sigmoid(intercept + dot(beta, &row));
            y.push(u32::from(rng.uniform() < p));
            x.extend(row);
        }
        (x, y)
    }

    #[test]
    fn logistic_recovers_the_generating_coefficients() {
        let truth = [1.5, -2.0, 0.0];
        let (x, y) = logistic_data(40_000, &truth, -0.5, 11);
        let (m, report) = Logistic::fit(Matrix::new(&x, 3), &y, 2, OPTIONS, |_| Ok(())).unwrap();
        assert!(report.converged, "{report:?}");
        for (got, want) in m.coefficients.iter().zip(truth) {
            assert!((got - want).abs() < 0.08, "{:?}", m.coefficients);
        }
        assert!((m.intercepts[0] + 0.5).abs() < 0.08, "{:?}", m.intercepts);
    }

    #[test]
    fn logistic_solution_zeroes_the_penalized_gradient() {
        // Checked against a direct computation of the gradient, not the optimizer's own.
        let (x, y) = logistic_data(2_000, &[0.8, -0.3], 0.2, 5);
        let l2 = 0.01;
        let options = LogisticOptions { l2, ..OPTIONS };
        let (m, _) = Logistic::fit(Matrix::new(&x, 2), &y, 2, options, |_| Ok(())).unwrap();
        let mut g = [0.0; 3];
        for (row, &label) in x.chunks(2).zip(&y) {
            let r = sigmoid(m.intercepts[0] + dot(&m.coefficients, row)) - f64::from(label);
            g[0] += r * row[0] / 2000.0;
            g[1] += r * row[1] / 2000.0;
            g[2] += r / 2000.0;
        }
        g[0] += l2 * m.coefficients[0];
        g[1] += l2 * m.coefficients[1];
        assert!(g.iter().all(|v| v.abs() < 1e-8), "{g:?}");
    }

    #[test]
    fn the_l2_penalty_shrinks_coefficients() {
        let (x, y) = logistic_data(2_000, &[2.0], 0.0, 3);
        let fit = |l2| {
            let options = LogisticOptions { l2, ..OPTIONS };
            Logistic::fit(Matrix::new(&x, 1), &y, 2, options, |_| Ok(()))
                .unwrap()
                .0
        };
        assert!(fit(1.0).coefficients[0].abs() < fit(0.0).coefficients[0].abs() / 2.0);
    }

    #[test]
    fn balanced_weights_raise_the_scores_of_a_rare_class() {
        let (x, y) = logistic_data(5_000, &[1.0], -3.0, 8);
        let fit = |class_weight| {
            let options = LogisticOptions {
                class_weight,
                ..OPTIONS
            };
            Logistic::fit(Matrix::new(&x, 1), &y, 2, options, |_| Ok(()))
                .unwrap()
                .0
        };
        let (plain, balanced) = (fit(ClassWeight::None), fit(ClassWeight::Balanced));
        assert!(balanced.intercepts[0] > plain.intercepts[0] + 1.0);
        // The intercept's score equation makes the weighted mean of the probabilities
        // equal the weighted share of positives: unweighted, the base rate; balanced, the
        // mean probability among positives and among negatives add up to one.
        let mean_p = |m: &Logistic, class: Option<u32>| {
            let mut out = [0.0; 2];
            let rows: Vec<f64> = x
                .iter()
                .zip(&y)
                .filter(|(_, &c)| class.is_none_or(|k| k == c))
                .map(|(&v, _)| {
                    m.probabilities(&[v], &mut out);
                    out[1]
                })
                .collect();
            rows.iter().sum::<f64>() / rows.len() as f64
        };
        let base_rate = y.iter().filter(|&&c| c == 1).count() as f64 / y.len() as f64;
        assert!((mean_p(&plain, None) - base_rate).abs() < 1e-6);
        let both = mean_p(&balanced, Some(1)) + mean_p(&balanced, Some(0));
        assert!((both - 1.0).abs() < 1e-6, "{both}");
    }

    #[test]
    fn multinomial_separates_three_clusters_and_probabilities_sum_to_one() {
        let centres = [(-3.0, 0.0), (3.0, 0.0), (0.0, 3.0)];
        let mut rng = Rng::new(21);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..3000 {
            let c = i % 3;
            x.push(centres[c].0 + rng.normal());
            x.push(centres[c].1 + rng.normal());
            y.push(c as u32);
        }
        let options = LogisticOptions {
            l2: 1e-3,
            ..OPTIONS
        };
        let (m, _) = Logistic::fit(Matrix::new(&x, 2), &y, 3, options, |_| Ok(())).unwrap();
        let mut out = [0.0; 3];
        let mut correct = 0;
        for (row, &label) in x.chunks(2).zip(&y) {
            m.probabilities(row, &mut out);
            assert!((out.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let best = (0..3).max_by(|&a, &b| out[a].total_cmp(&out[b])).unwrap();
            correct += usize::from(best == label as usize);
        }
        assert!(correct > 2850, "{correct} of 3000");
    }

    #[test]
    fn scores_rank_rows_well_on_held_out_data() {
        let truth = [1.0, -1.0, 0.5, 0.0];
        let (x, y) = logistic_data(4_000, &truth, 0.0, 2);
        let (m, _) = Logistic::fit(Matrix::new(&x, 4), &y, 2, OPTIONS, |_| Ok(())).unwrap();
        let (xt, yt) = logistic_data(4_000, &truth, 0.0, 99);
        let mut out = [0.0; 2];
        let scores: Vec<f64> = xt
            .chunks(4)
            .map(|r| {
                m.probabilities(r, &mut out);
                out[1]
            })
            .collect();
        let labels: Vec<bool> = yt.iter().map(|&c| c == 1).collect();
        // The generating model's own AUC on these rows is about 0.80.
        assert!(roc_auc(&labels, &scores).unwrap() > 0.78);
    }

    #[test]
    fn linear_recovers_an_exact_relation() {
        let mut rng = Rng::new(4);
        let x: Vec<f64> = (0..600).map(|_| rng.normal()).collect();
        let y: Vec<f64> = x.chunks(3).map(|r| 2.0 * r[0] - 3.0 * r[1] + 5.0).collect();
        let (m, _) = Linear::fit(Matrix::new(&x, 3), &y, 0.0).unwrap();
        assert!((m.coefficients[0] - 2.0).abs() < 1e-6, "{m:?}");
        assert!((m.coefficients[1] + 3.0).abs() < 1e-6, "{m:?}");
        assert!(m.coefficients[2].abs() < 1e-6, "{m:?}");
        assert!((m.intercept - 5.0).abs() < 1e-6, "{m:?}");
    }

    #[test]
    fn linear_copes_with_a_duplicated_column() {
        let x: Vec<f64> = (0..50).flat_map(|i| [i as f64, i as f64]).collect();
        let y: Vec<f64> = (0..50).map(|i| 4.0 * i as f64 + 1.0).collect();
        let (m, _) = Linear::fit(Matrix::new(&x, 2), &y, 0.0).unwrap();
        assert!((m.predict(&[10.0, 10.0]) - 41.0).abs() < 1e-4, "{m:?}");
    }

    #[test]
    fn models_round_trip_through_json() {
        let m = Logistic {
            classes: 3,
            inputs: 1,
            coefficients: vec![0.1, -0.2, 0.3],
            intercepts: vec![1.0, 2.0, 3.0],
        };
        let back: Logistic = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }
}
