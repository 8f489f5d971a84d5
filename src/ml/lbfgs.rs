//! Limited-memory BFGS for the smooth convex losses of logistic regression, with a
//! backtracking (Armijo) line search. The caller sees every iteration through a callback,
//! which is where training checks for cancellation and reports progress.

use super::MlError;

/// When to stop.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub max_iter: usize,
    /// Converged when the largest gradient component is at most
    /// `tolerance * max(1, |loss|)`.
    pub tolerance: f64,
    /// How many past steps approximate the curvature.
    pub memory: usize,
}

/// What one iteration reached; handed to the caller's callback.
#[derive(Debug, Clone, Copy)]
pub struct Iteration {
    pub iteration: usize,
    pub loss: f64,
    pub gradient_norm: f64,
}

/// Where the minimization ended.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub loss: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Minimizes `f` from `x0`. `f(x, gradient)` returns the loss at `x` and writes its
/// gradient. `each_iteration` may stop the search by returning an error.
pub fn minimize(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: Vec<f64>,
    options: Options,
    mut each_iteration: impl FnMut(Iteration) -> Result<(), MlError>,
) -> Result<Minimum, MlError> {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut loss = f(&x, &mut g);
    let mut history: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::with_capacity(options.memory);
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut direction = vec![0.0; n];
    let mut alpha = vec![0.0; options.memory];

    let converged = |loss: f64, g: &[f64]| max_abs(g) <= options.tolerance * loss.abs().max(1.0);
    if converged(loss, &g) {
        return Ok(Minimum {
            x,
            loss,
            iterations: 0,
            converged: true,
        });
    }

    for iteration in 1..=options.max_iter {
        // Two-loop recursion: direction = -H·g.
        direction.copy_from_slice(&g);
        for (k, (s, y, rho)) in history.iter().enumerate().rev() {
            alpha[k] = rho * dot(s, &direction);
            axpy(-alpha[k], y, &mut direction);
        }
        let gamma = match history.back() {
            Some((s, y, _)) => dot(s, y) / dot(y, y),
            None => 1.0 / max_abs(&g).max(1.0),
        };
        direction.iter_mut().for_each(|d| *d *= gamma);
        for (k, (s, y, rho)) in history.iter().enumerate() {
            let beta = rho * dot(y, &direction);
            axpy(alpha[k] - beta, s, &mut direction);
        }
        direction.iter_mut().for_each(|d| *d = -*d);

        let mut slope = dot(&g, &direction);
        if slope >= 0.0 {
            // Not a descent direction (curvature information went stale): restart.
            history.clear();
            for (d, gi) in direction.iter_mut().zip(&g) {
                *d = -gi;
            }
            slope = dot(&g, &direction);
        }

        // Backtracking line search with the Armijo condition.
        let mut step = 1.0;
        let new_loss = loop {
            for i in 0..n {
                x_new[i] = x[i] + step * direction[i];
            }
            let candidate = f(&x_new, &mut g_new);
            if candidate <= loss + 1e-4 * step * slope {
                break Some(candidate);
            }
            step *= 0.5;
            if step < 1e-20 {
                break None;
            }
        };
        let Some(new_loss) = new_loss else {
            // No decrease is possible along any step: as good as it gets in floating point.
            return Ok(Minimum {
                x,
                loss,
                iterations: iteration,
                converged: converged(loss, &g),
            });
        };

        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if history.len() == options.memory {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / sy));
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let previous = loss;
        loss = new_loss;

        each_iteration(Iteration {
            iteration,
            loss,
            gradient_norm: max_abs(&g),
        })?;
        let stalled = (previous - loss).abs() <= f64::EPSILON * previous.abs();
        if converged(loss, &g) || stalled {
            return Ok(Minimum {
                converged: converged(loss, &g),
                x,
                loss,
                iterations: iteration,
            });
        }
    }
    Ok(Minimum {
        x,
        loss,
        iterations: options.max_iter,
        converged: false,
    })
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: Options = Options {
        max_iter: 500,
        tolerance: 1e-9,
        memory: 10,
    };

    #[test]
    fn finds_the_minimum_of_an_ill_conditioned_quadratic() {
        // f(x) = Σ c_i (x_i - i)², c from 1 to 1000.
        let c = [1.0, 10.0, 100.0, 1000.0];
        let f = |x: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for i in 0..4 {
                let d = x[i] - i as f64;
                v += c[i] * d * d;
                g[i] = 2.0 * c[i] * d;
            }
            v
        };
        let m = minimize(f, vec![10.0; 4], OPTIONS, |_| Ok(())).unwrap();
        assert!(m.converged);
        for (i, xi) in m.x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-8, "{:?}", m.x);
        }
    }

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize(f, vec![-1.2, 1.0], OPTIONS, |_| Ok(())).unwrap();
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{:?}",
            m.x
        );
    }

    #[test]
    fn the_callback_sees_each_iteration_and_can_stop_the_search() {
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] - 3.0) + 4.0 * (x[0] - 3.0).powi(3);
            (x[0] - 3.0).powi(2) + (x[0] - 3.0).powi(4)
        };
        let mut seen = Vec::new();
        let stopped = minimize(f, vec![100.0], OPTIONS, |it| {
            seen.push(it.iteration);
            if it.iteration == 2 {
                Err(MlError::Cancelled)
            } else {
                Ok(())
            }
        });
        assert_eq!(stopped.unwrap_err(), MlError::Cancelled);
        assert_eq!(seen, vec![1, 2]);
    }
}
