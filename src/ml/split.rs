//! The seeded train/validation/test split. Classification splits are stratified: each
//! class is shuffled on its own and cut at the same fractions, so a rare positive class
//! appears in every part in proportion. The same labels, fractions and seed always give
//! the same split.

use super::rng::Rng;
use super::MlError;

/// Where a row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Train,
    Validation,
    Test,
}

/// The share of rows for training, validation and testing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fractions {
    pub train: f64,
    pub validation: f64,
    pub test: f64,
}

impl Default for Fractions {
    fn default() -> Self {
        Fractions {
            train: 0.7,
            validation: 0.2,
            test: 0.1,
        }
    }
}

impl Fractions {
    /// Three non-negative fractions `[train, validation, test]` adding up to 1, with a
    /// positive training share.
    pub fn new(values: &[f64]) -> Result<Self, MlError> {
        let invalid = |reason: &str| MlError::InvalidOption {
            option: "split",
            reason: reason.to_string(),
        };
        let &[train, validation, test] = values else {
            return Err(invalid(
                "expected three fractions [train, validation, test]",
            ));
        };
        if values.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(invalid("fractions must be finite and not negative"));
        }
        if (train + validation + test - 1.0).abs() > 1e-9 {
            return Err(invalid("fractions must add up to 1"));
        }
        if train <= 0.0 {
            return Err(invalid("the training fraction must be positive"));
        }
        Ok(Fractions {
            train,
            validation,
            test,
        })
    }
}

/// Assigns each row to a part. `strata[i]` is row i's class (any small integer; give every
/// row the same stratum for an unstratified split, as regression does).
pub fn split(strata: &[u32], fractions: Fractions, seed: u64) -> Vec<Part> {
    let mut groups: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (row, &stratum) in strata.iter().enumerate() {
        groups.entry(stratum).or_default().push(row);
    }
    let mut parts = vec![Part::Train; strata.len()];
    let mut rng = Rng::new(seed);
    for rows in groups.values_mut() {
        rng.shuffle(rows);
        let n = rows.len() as f64;
        let train_end = (n * fractions.train).round() as usize;
        let validation_end = (n * (fractions.train + fractions.validation)).round() as usize;
        for (k, &row) in rows.iter().enumerate() {
            parts[row] = if k < train_end {
                Part::Train
            } else if k < validation_end {
                Part::Validation
            } else {
                Part::Test
            };
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(parts: &[Part], strata: &[u32], part: Part, stratum: u32) -> usize {
        parts
            .iter()
            .zip(strata)
            .filter(|&(&p, &s)| p == part && s == stratum)
            .count()
    }

    #[test]
    fn fractions_are_validated() {
        assert_eq!(Fractions::new(&[0.7, 0.2, 0.1]), Ok(Fractions::default()));
        assert!(Fractions::new(&[1.0, 0.0, 0.0]).is_ok());
        for bad in [
            &[0.7, 0.3][..],
            &[0.5, 0.2, 0.1],
            &[1.2, -0.1, -0.1],
            &[0.0, 0.5, 0.5],
            &[f64::NAN, 0.5, 0.5],
        ] {
            assert!(
                matches!(
                    Fractions::new(bad),
                    Err(MlError::InvalidOption {
                        option: "split",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn each_class_is_cut_at_the_fractions() {
        // 1000 negatives, 100 positives.
        let strata: Vec<u32> = (0..1100).map(|i| u32::from(i % 11 == 0)).collect();
        let parts = split(&strata, Fractions::default(), 42);
        assert_eq!(count(&parts, &strata, Part::Train, 0), 700);
        assert_eq!(count(&parts, &strata, Part::Validation, 0), 200);
        assert_eq!(count(&parts, &strata, Part::Test, 0), 100);
        assert_eq!(count(&parts, &strata, Part::Train, 1), 70);
        assert_eq!(count(&parts, &strata, Part::Validation, 1), 20);
        assert_eq!(count(&parts, &strata, Part::Test, 1), 10);
    }

    #[test]
    fn the_seed_fixes_the_split_and_another_seed_changes_it() {
        let strata = vec![0u32; 500];
        let a = split(&strata, Fractions::default(), 1);
        assert_eq!(a, split(&strata, Fractions::default(), 1));
        assert_ne!(a, split(&strata, Fractions::default(), 2));
        // The split is shuffled, not the first 70% of the rows.
        assert!(a[..350].contains(&Part::Test));
    }

    #[test]
    fn everything_trains_with_1_0_0() {
        let strata = vec![0u32, 1, 0, 1, 1];
        let parts = split(&strata, Fractions::new(&[1.0, 0.0, 0.0]).unwrap(), 3);
        assert!(parts.iter().all(|&p| p == Part::Train));
    }
}
