//! Metrics of scores a query already has, e.g. propensities written by another tool:
//! `SELECT profile_classification_metrics(array_agg(churned), array_agg(score)) FROM t`.

use pgrx::prelude::*;
use pgrx::JsonB;

use super::error::OrRaise;
use crate::ml::metrics;

/// Accuracy, precision, recall, F1, ROC AUC, log loss and the confusion counts of
/// `scores` (probabilities of the positive class) against `labels`, pairing the arrays
/// element by element. A score at or above `threshold` counts as a positive prediction.
#[pg_extern(immutable, parallel_safe)]
fn profile_classification_metrics(
    labels: Array<'_, bool>,
    scores: Array<'_, f64>,
    threshold: default!(f64, 0.5),
) -> JsonB {
    let labels = metrics::present("labels", &labels.iter().collect::<Vec<_>>()).or_raise();
    let scores = metrics::present("scores", &scores.iter().collect::<Vec<_>>()).or_raise();
    let result = metrics::binary_classification(&labels, &scores, threshold).or_raise();
    JsonB(serde_json::to_value(result).expect("metrics serialize to JSON"))
}

/// MSE, RMSE, MAE and R² of `predicted` against `actual`, pairing the arrays element by
/// element.
#[pg_extern(immutable, parallel_safe)]
fn profile_regression_metrics(actual: Array<'_, f64>, predicted: Array<'_, f64>) -> JsonB {
    let actual = metrics::present("actual", &actual.iter().collect::<Vec<_>>()).or_raise();
    let predicted = metrics::present("predicted", &predicted.iter().collect::<Vec<_>>()).or_raise();
    let result = metrics::regression(&actual, &predicted).or_raise();
    JsonB(serde_json::to_value(result).expect("metrics serialize to JSON"))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;
    use pgrx::JsonB;
    use serde_json::json;

    use crate::api::testing::error_of;

    fn metrics(sql: &str) -> serde_json::Value {
        Spi::get_one::<JsonB>(sql).unwrap().unwrap().0
    }

    #[pg_test]
    fn classification_metrics_from_an_aggregate() {
        let m = metrics(
            "SELECT profile_classification_metrics(array_agg(l ORDER BY i), array_agg(s ORDER BY i))
               FROM (VALUES (1, true, 0.9), (2, false, 0.8), (3, true, 0.4),
                            (4, false, 0.3), (5, true, 0.6)) AS t(i, l, s)",
        );
        assert_eq!(m["confusion"], json!({"tp": 2, "fp": 1, "tn": 1, "fn": 1}));
        assert_eq!(m["rows"], json!(5));
        assert_eq!(m["accuracy"], json!(0.6));
        let auc = m["roc_auc"].as_f64().unwrap();
        assert!((auc - 4.0 / 6.0).abs() < 1e-12, "{auc}");
    }

    #[pg_test]
    fn threshold_changes_the_decisions_not_the_auc() {
        let m = metrics(
            "SELECT profile_classification_metrics('{t,f,t}', '{0.9,0.5,0.4}', threshold => 0.3)",
        );
        assert_eq!(m["confusion"], json!({"tp": 2, "fp": 1, "tn": 0, "fn": 0}));
        assert_eq!(m["roc_auc"], json!(0.5));
        assert_eq!(m["threshold"], json!(0.3));
    }

    #[pg_test]
    fn undefined_metrics_are_json_null() {
        let m = metrics("SELECT profile_classification_metrics('{t,t}', '{0.9,0.2}')");
        assert_eq!(m["roc_auc"], json!(null));
        let m = metrics("SELECT profile_regression_metrics('{2,2}', '{1,3}')");
        assert_eq!(m["r2"], json!(null));
        assert_eq!(m["mse"], json!(1.0));
    }

    #[pg_test]
    fn mismatched_lengths_raise_array_subscript_error() {
        let err = error_of("SELECT profile_classification_metrics('{t,f}', '{0.5}')").unwrap();
        assert_eq!(err.sqlstate, "2202E");
        assert_eq!(err.message, "labels has 2 elements but scores has 1");
        assert!(err.hint.unwrap().contains("array_agg"));
    }

    #[pg_test]
    fn a_null_element_raises_null_value_not_allowed_naming_it() {
        let err =
            error_of("SELECT profile_classification_metrics('{t,NULL}', '{0.5,0.1}')").unwrap();
        assert_eq!(err.sqlstate, "22004");
        assert_eq!(err.message, "labels[2] is NULL");
    }

    #[pg_test]
    fn a_score_outside_0_1_raises_numeric_value_out_of_range() {
        let err = error_of("SELECT profile_classification_metrics('{t,f}', '{0.5,1.5}')").unwrap();
        assert_eq!(err.sqlstate, "22003");
        assert_eq!(
            err.message,
            "scores[2] is 1.5, not a probability between 0 and 1"
        );
        let err = error_of("SELECT profile_regression_metrics('{1,2}', '{1,NaN}')").unwrap();
        assert_eq!(err.sqlstate, "22003");
        assert_eq!(err.message, "predicted[2] is NaN, not a finite number");
    }

    #[pg_test]
    fn empty_arrays_raise_invalid_parameter_value() {
        let err = error_of("SELECT profile_regression_metrics('{}', '{}')").unwrap();
        assert_eq!(err.sqlstate, "22023");
        assert_eq!(err.message, "actual is empty");
    }

    #[pg_test]
    fn null_arrays_give_null() {
        let m = Spi::get_one::<JsonB>("SELECT profile_regression_metrics(NULL, '{1}')").unwrap();
        assert!(m.is_none());
    }
}
