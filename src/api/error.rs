//! The one place where domain errors become Postgres errors: each domain's error type
//! says which SQLSTATE it is and what the user should do about it, and `or_raise()`
//! reports it with `ereport(ERROR)`.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

use crate::ml::MlError;

/// A domain error as Postgres reports it.
pub trait SqlError: std::fmt::Display {
    fn sqlstate(&self) -> PgSqlErrorCode;
    /// What to do about it, shown as the error's HINT.
    fn hint(&self) -> Option<String>;
}

/// Turns a domain `Result` into its value or a Postgres ERROR.
pub trait OrRaise<T> {
    fn or_raise(self) -> T;
}

impl<T, E: SqlError> OrRaise<T> for Result<T, E> {
    #[track_caller]
    fn or_raise(self) -> T {
        match self {
            Ok(value) => value,
            Err(err) => raise(&err),
        }
    }
}

#[track_caller]
fn raise(err: &dyn SqlError) -> ! {
    let mut report = ErrorReport::new(err.sqlstate(), err.to_string(), "pg_persona");
    if let Some(hint) = err.hint() {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("ereport(ERROR) returned")
}

impl SqlError for MlError {
    fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            MlError::LengthMismatch { .. } => ERRCODE_ARRAY_ELEMENT_ERROR,
            MlError::Empty { .. } | MlError::InvalidOption { .. } | MlError::UnknownOption(_) => {
                ERRCODE_INVALID_PARAMETER_VALUE
            }
            MlError::Null { .. } => ERRCODE_NULL_VALUE_NOT_ALLOWED,
            MlError::NotFinite { .. }
            | MlError::NotAProbability { .. }
            | MlError::NonFiniteFeature { .. } => ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
            MlError::WrongType { .. } => ERRCODE_DATATYPE_MISMATCH,
            MlError::Cancelled => ERRCODE_QUERY_CANCELED,
            MlError::Singular | MlError::OneClass(_) => ERRCODE_DATA_EXCEPTION,
            MlError::NoRows => ERRCODE_NO_DATA_FOUND,
            MlError::NoFeatures => ERRCODE_INVALID_PARAMETER_VALUE,
            MlError::UnknownPositive { .. } | MlError::UnknownAlgorithm(_) => {
                ERRCODE_INVALID_PARAMETER_VALUE
            }
            MlError::NonNumericTarget => ERRCODE_DATATYPE_MISMATCH,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            MlError::LengthMismatch { .. } => {
                "Aggregate both arrays in one query so they pair up row by row, e.g. \
                 array_agg(label ORDER BY id) and array_agg(score ORDER BY id)."
                    .into()
            }
            MlError::Empty { .. } => "Pass at least one row.".into(),
            MlError::Cancelled => return None,
            MlError::UnknownOption(_) => "The README lists every option of profile_train.".into(),
            MlError::NoRows => "Check the relation has rows whose target is not NULL.".into(),
            MlError::NoFeatures => {
                "List features, or leave features NULL to use every other column.".into()
            }
            MlError::OneClass(_) => {
                "Classification needs at least two classes in the target column.".into()
            }
            MlError::UnknownPositive { .. } => {
                "Set options.positive to one of the target's values, or leave it out.".into()
            }
            MlError::UnknownAlgorithm(_) => "Use 'logistic' or 'linear'.".into(),
            MlError::NonNumericTarget => {
                "Use algorithm => 'logistic' for a categorical target, or cast it to a number \
                 in a view."
                    .into()
            }
            MlError::Singular => {
                "Drop constant or duplicated features, or set a positive \"l2\" option.".into()
            }
            MlError::InvalidOption { option, .. } => {
                format!("Fix or remove \"{option}\" in options; the README lists every option.")
            }
            MlError::Null { .. } => {
                "Filter out rows with a NULL label or score, or coalesce them.".into()
            }
            MlError::NotFinite { .. } => "Filter out NaN and infinite values.".into(),
            MlError::NonFiniteFeature { feature, .. } => format!(
                "Filter out rows where \"{feature}\" is NaN or infinite, or map them to NULL \
                 (which is imputed) in a view."
            ),
            MlError::WrongType {
                feature, expected, ..
            } => {
                format!("Pass \"{feature}\" as a {expected}, as it was when the model was trained.")
            }
            MlError::NotAProbability { what, .. } if what == "threshold" => {
                "A threshold is a probability: scores at or above it count as positive.".into()
            }
            MlError::NotAProbability { .. } => {
                "Scores are probabilities of the positive class, between 0 and 1.".into()
            }
        })
    }
}
