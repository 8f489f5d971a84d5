//! Evaluation metrics. Definitions follow scikit-learn's, so figures can be compared with
//! other tools; where a metric is undefined on the input (precision with nothing predicted
//! positive, ROC AUC with one class) it is `None` rather than a made-up number.

use serde::Serialize;

use super::MlError;

/// Log loss clips probabilities to [EPS, 1 - EPS] so a confident mistake costs a large
/// but finite amount.
const LOG_LOSS_EPS: f64 = 1e-15;

/// A binary classifier's decisions at a threshold, against the true labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

/// Metrics of a binary classifier from its scores (probabilities of the positive class).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinaryMetrics {
    pub rows: u64,
    pub positives: u64,
    /// Scores at or above the threshold are predicted positive.
    pub threshold: f64,
    pub accuracy: f64,
    /// Undefined when nothing is predicted positive.
    pub precision: Option<f64>,
    /// Undefined when there are no positives.
    pub recall: Option<f64>,
    /// 2·tp / (2·tp + fp + fn); undefined when there are neither positives nor positive
    /// predictions.
    pub f1: Option<f64>,
    /// From the scores, not the thresholded labels; ties count one half. Undefined when
    /// only one class is present.
    pub roc_auc: Option<f64>,
    pub log_loss: f64,
    pub confusion: Confusion,
}

/// Metrics of a regression model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionMetrics {
    pub rows: u64,
    pub mse: f64,
    pub rmse: f64,
    pub mae: f64,
    /// Undefined when the actual values are all equal.
    pub r2: Option<f64>,
}

/// The values of `values`, or the position of the first missing one.
pub fn present<T: Copy>(what: &'static str, values: &[Option<T>]) -> Result<Vec<T>, MlError> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| v.ok_or(MlError::Null { what, index: i + 1 }))
        .collect()
}

fn same_length(
    left: &'static str,
    left_len: usize,
    right: &'static str,
    right_len: usize,
) -> Result<(), MlError> {
    if left_len != right_len {
        return Err(MlError::LengthMismatch {
            left,
            left_len,
            right,
            right_len,
        });
    }
    if left_len == 0 {
        return Err(MlError::Empty { what: left });
    }
    Ok(())
}

fn finite(what: &'static str, values: &[f64]) -> Result<(), MlError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(MlError::NotFinite {
            what,
            index: i + 1,
            value: values[i],
        }),
        None => Ok(()),
    }
}

fn probability(what: impl FnOnce() -> String, value: f64) -> Result<(), MlError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(MlError::NotAProbability {
            what: what(),
            value,
        })
    }
}

/// Metrics of scores against boolean labels; a score at or above `threshold` is a positive
/// prediction.
pub fn binary_classification(
    labels: &[bool],
    scores: &[f64],
    threshold: f64,
) -> Result<BinaryMetrics, MlError> {
    same_length("labels", labels.len(), "scores", scores.len())?;
    probability(|| "threshold".to_string(), threshold)?;
    for (i, &s) in scores.iter().enumerate() {
        probability(|| format!("scores[{}]", i + 1), s)?;
    }

    let mut confusion = Confusion {
        tp: 0,
        fp: 0,
        tn: 0,
        fn_: 0,
    };
    let mut log_loss = 0.0;
    for (&label, &score) in labels.iter().zip(scores) {
        match (label, score >= threshold) {
            (true, true) => confusion.tp += 1,
            (false, true) => confusion.fp += 1,
            (false, false) => confusion.tn += 1,
            (true, false) => confusion.fn_ += 1,
        }
        let p = score.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
        log_loss -= if label { p.ln() } else { (1.0 - p).ln() };
    }

    let Confusion { tp, fp, tn, fn_ } = confusion;
    let rows = labels.len() as u64;
    let ratio = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
    Ok(BinaryMetrics {
        rows,
        positives: tp + fn_,
        threshold,
        accuracy: (tp + tn) as f64 / rows as f64,
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
        roc_auc: roc_auc(labels, scores),
        log_loss: log_loss / rows as f64,
        confusion,
    })
}

/// Area under the ROC curve as the Mann–Whitney statistic: the probability that a random
/// positive scores above a random negative, ties counting one half. `None` when either
/// class is absent.
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Option<f64> {
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));

    // Sum of the (1-based, tie-averaged) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let average_rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = order[start..end].iter().filter(|&&i| labels[i]).count();
        rank_sum += average_rank * tied_positives as f64;
        start = end;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Metrics of a classifier over three or more classes. Precision, recall, F1 and ROC AUC
/// are macro averages (each class one-vs-rest, then the plain mean over classes where
/// the metric is defined).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MulticlassMetrics {
    pub rows: u64,
    pub accuracy: f64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub roc_auc: Option<f64>,
    pub log_loss: f64,
    /// `confusion[actual][predicted]`, classes in the model's order.
    pub confusion: Vec<Vec<u64>>,
}

/// Metrics of class probabilities `probabilities` (`labels.len()` rows of `classes`,
/// row-major) against class indices `labels`; the prediction is the most probable class.
pub fn multiclass(
    labels: &[u32],
    probabilities: &[f64],
    classes: usize,
) -> Result<MulticlassMetrics, MlError> {
    same_length(
        "labels",
        labels.len() * classes,
        "probabilities",
        probabilities.len(),
    )?;
    let mut confusion = vec![vec![0u64; classes]; classes];
    let mut log_loss = 0.0;
    for (row, &label) in probabilities.chunks(classes).zip(labels) {
        let predicted = (0..classes)
            .max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        confusion[label as usize][predicted] += 1;
        log_loss -= row[label as usize]
            .clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
            .ln();
    }
    let rows = labels.len() as u64;
    let mean = |values: Vec<Option<f64>>| {
        let defined: Vec<f64> = values.into_iter().flatten().collect();
        (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64)
    };
    let ratio = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
    let (mut precision, mut recall, mut f1, mut auc) = (vec![], vec![], vec![], vec![]);
    for k in 0..classes {
        let tp = confusion[k][k];
        let actual: u64 = confusion[k].iter().sum();
        let predicted: u64 = confusion.iter().map(|r| r[k]).sum();
        precision.push(ratio(tp, predicted));
        recall.push(ratio(tp, actual));
        f1.push(ratio(2 * tp, actual + predicted));
        let is_k: Vec<bool> = labels.iter().map(|&l| l as usize == k).collect();
        let score_k: Vec<f64> = probabilities.chunks(classes).map(|r| r[k]).collect();
        auc.push(roc_auc(&is_k, &score_k));
    }
    Ok(MulticlassMetrics {
        rows,
        accuracy: (0..classes).map(|k| confusion[k][k]).sum::<u64>() as f64 / rows as f64,
        precision: mean(precision),
        recall: mean(recall),
        f1: mean(f1),
        roc_auc: mean(auc),
        log_loss: log_loss / rows as f64,
        confusion,
    })
}

/// Metrics of predicted values against actual ones.
pub fn regression(actual: &[f64], predicted: &[f64]) -> Result<RegressionMetrics, MlError> {
    same_length("actual", actual.len(), "predicted", predicted.len())?;
    finite("actual", actual)?;
    finite("predicted", predicted)?;

    let n = actual.len() as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let (mut squared, mut absolute, mut total) = (0.0, 0.0, 0.0);
    for (&y, &p) in actual.iter().zip(predicted) {
        squared += (y - p) * (y - p);
        absolute += (y - p).abs();
        total += (y - mean) * (y - mean);
    }
    let mse = squared / n;
    Ok(RegressionMetrics {
        rows: actual.len() as u64,
        mse,
        rmse: mse.sqrt(),
        mae: absolute / n,
        r2: (total > 0.0).then(|| 1.0 - squared / total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn binary_metrics_match_hand_computation() {
        let labels = [true, false, true, false, true];
        let scores = [0.9, 0.8, 0.4, 0.3, 0.6];
        let m = binary_classification(&labels, &scores, 0.5).unwrap();
        assert_eq!(
            m.confusion,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 1,
                fn_: 1
            }
        );
        assert_eq!((m.rows, m.positives), (5, 3));
        assert!(close(m.accuracy, 0.6));
        assert!(close(m.precision.unwrap(), 2.0 / 3.0));
        assert!(close(m.recall.unwrap(), 2.0 / 3.0));
        assert!(close(m.f1.unwrap(), 2.0 / 3.0));
        // Positive/negative pairs ranked right: (.9,.8) (.9,.3) (.4,.3) (.6,.3) of 6.
        assert!(close(m.roc_auc.unwrap(), 4.0 / 6.0));
        let expected_log_loss =
            -(0.9f64.ln() + 0.2f64.ln() + 0.4f64.ln() + 0.7f64.ln() + 0.6f64.ln()) / 5.0;
        assert!(close(m.log_loss, expected_log_loss));
    }

    #[test]
    fn roc_auc_counts_ties_as_half_and_is_undefined_for_one_class() {
        assert_eq!(roc_auc(&[true, false], &[0.5, 0.5]), Some(0.5));
        assert_eq!(roc_auc(&[true, false, false], &[0.7, 0.7, 0.1]), Some(0.75));
        assert_eq!(roc_auc(&[false, true], &[0.9, 0.1]), Some(0.0));
        assert_eq!(roc_auc(&[true, true], &[0.9, 0.1]), None);
    }

    #[test]
    fn undefined_ratios_are_none_not_zero() {
        // No positive predictions: precision undefined, recall 0, f1 0.
        let m = binary_classification(&[true, false], &[0.1, 0.2], 0.5).unwrap();
        assert_eq!(m.precision, None);
        assert_eq!(m.recall, Some(0.0));
        assert_eq!(m.f1, Some(0.0));
        // No positives and none predicted: recall and f1 undefined.
        let m = binary_classification(&[false, false], &[0.1, 0.2], 0.5).unwrap();
        assert_eq!((m.recall, m.f1, m.roc_auc), (None, None, None));
        assert!(close(m.accuracy, 1.0));
    }

    #[test]
    fn confident_mistakes_cost_a_finite_log_loss() {
        let m = binary_classification(&[true], &[0.0], 0.5).unwrap();
        assert!(close(m.log_loss, -(LOG_LOSS_EPS.ln())));
    }

    #[test]
    fn classification_rejects_bad_input_naming_it() {
        assert_eq!(
            binary_classification(&[true], &[0.1, 0.2], 0.5),
            Err(MlError::LengthMismatch {
                left: "labels",
                left_len: 1,
                right: "scores",
                right_len: 2
            })
        );
        assert_eq!(
            binary_classification(&[], &[], 0.5),
            Err(MlError::Empty { what: "labels" })
        );
        assert_eq!(
            binary_classification(&[true, false], &[0.1, 1.5], 0.5),
            Err(MlError::NotAProbability {
                what: "scores[2]".into(),
                value: 1.5
            })
        );
        assert!(matches!(
            binary_classification(&[true], &[f64::NAN], 0.5),
            Err(MlError::NotAProbability { .. })
        ));
        assert_eq!(
            binary_classification(&[true], &[0.1], -0.5),
            Err(MlError::NotAProbability {
                what: "threshold".into(),
                value: -0.5
            })
        );
    }

    #[test]
    fn present_names_the_first_missing_element() {
        assert_eq!(
            present("labels", &[Some(true), Some(false)]),
            Ok(vec![true, false])
        );
        assert_eq!(
            present("labels", &[Some(true), None, None]),
            Err(MlError::Null {
                what: "labels",
                index: 2
            })
        );
    }

    #[test]
    fn regression_metrics_match_hand_computation() {
        let m = regression(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]).unwrap();
        assert!(close(m.mse, 0.375));
        assert!(close(m.rmse, 0.375f64.sqrt()));
        assert!(close(m.mae, 0.5));
        // 1 - 1.5 / 29.1875
        assert!(close(m.r2.unwrap(), 0.948_608_137_044_967_9));
        assert_eq!(regression(&[1.0, 1.0], &[1.0, 2.0]).unwrap().r2, None);
    }

    #[test]
    fn multiclass_metrics_match_hand_computation() {
        // Three classes; rows 1-3 right, row 4 (class 2) predicted as class 0.
        let labels = [0, 1, 2, 2];
        let probabilities = [
            0.7, 0.2, 0.1, //
            0.1, 0.8, 0.1, //
            0.2, 0.2, 0.6, //
            0.5, 0.1, 0.4,
        ];
        let m = multiclass(&labels, &probabilities, 3).unwrap();
        assert_eq!(
            m.confusion,
            vec![vec![1, 0, 0], vec![0, 1, 0], vec![1, 0, 1]]
        );
        assert!(close(m.accuracy, 0.75));
        // Precision per class: 1/2, 1, 1; recall: 1, 1, 1/2.
        assert!(close(m.precision.unwrap(), 2.5 / 3.0));
        assert!(close(m.recall.unwrap(), 2.5 / 3.0));
        // F1 per class: 2/3, 1, 2/3.
        assert!(close(m.f1.unwrap(), (2.0 / 3.0 + 1.0 + 2.0 / 3.0) / 3.0));
        let expected_log_loss = -(0.7f64.ln() + 0.8f64.ln() + 0.6f64.ln() + 0.4f64.ln()) / 4.0;
        assert!(close(m.log_loss, expected_log_loss));
        // One-vs-rest, every positive outscores every negative: class 0 .7 against
        // .1 .2 .5; class 1 .8 against .2 .2 .1; class 2 .6 .4 against .1 .1.
        assert!(close(m.roc_auc.unwrap(), 1.0));
    }

    #[test]
    fn regression_rejects_non_finite_values() {
        assert_eq!(
            regression(&[1.0, f64::INFINITY], &[1.0, 2.0]),
            Err(MlError::NotFinite {
                what: "actual",
                index: 2,
                value: f64::INFINITY
            })
        );
    }
}
