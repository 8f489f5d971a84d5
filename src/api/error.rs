//! The one place where domain errors become Postgres errors: each domain's error type
//! says which SQLSTATE it is and what the user should do about it, and `or_raise()`
//! reports it with `ereport(ERROR)`.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

use crate::catalog::CatalogError;
use crate::dataset::DatasetError;
use crate::ml::MlError;
use crate::profile::spec::SpecError;
use crate::profile::ProfileError;
use crate::scoring::ScoringError;
use crate::training::TrainError;

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
            MlError::NoRows => ERRCODE_DATA_EXCEPTION,
            MlError::NoFeatures => ERRCODE_INVALID_PARAMETER_VALUE,
            MlError::UnknownPositive { .. } | MlError::UnknownAlgorithm(_) => {
                ERRCODE_INVALID_PARAMETER_VALUE
            }
            MlError::NonNumericTarget => ERRCODE_DATATYPE_MISMATCH,
            MlError::MissingFeature(_) => ERRCODE_UNDEFINED_COLUMN,
            MlError::UnseenLabel(_) => ERRCODE_INVALID_PARAMETER_VALUE,
            MlError::OptionNotForAlgorithm { .. } => ERRCODE_INVALID_PARAMETER_VALUE,
            MlError::LightGbm(_) => ERRCODE_EXTERNAL_ROUTINE_EXCEPTION,
            MlError::BadSplitValue { .. } | MlError::NoTrainingRows(_) => ERRCODE_DATA_EXCEPTION,
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
            MlError::UnknownAlgorithm(_) => "Use 'logistic', 'linear' or 'gbdt'.".into(),
            MlError::OptionNotForAlgorithm { option, .. } => format!(
                "Remove \"{option}\" from options, or train with an algorithm that takes it; \
                 the README lists each algorithm's options."
            ),
            MlError::LightGbm(_) => {
                "LightGBM refused the data or the options; its message says why.".into()
            }
            MlError::BadSplitValue { column, .. } => format!(
                "Every row needs \"{column}\" set to 'train', 'validation' or 'test'; \
                 filter the others out in a view."
            ),
            MlError::NoTrainingRows(column) => {
                format!("Mark some rows 'train' in \"{column}\".")
            }
            MlError::MissingFeature(_) => {
                "The relation must have a column for every feature of the model.".into()
            }
            MlError::UnseenLabel(_) => {
                "Retrain the model on data that has this label, or filter those rows out.".into()
            }
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

impl SqlError for CatalogError {
    fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            CatalogError::UnknownModel(_) | CatalogError::UnknownVersion { .. } => {
                ERRCODE_UNDEFINED_OBJECT
            }
            CatalogError::NoDeployedVersion(_) | CatalogError::NothingToRollBack(_) => {
                ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE
            }
            CatalogError::BadName(_) => ERRCODE_INVALID_NAME,
            CatalogError::Corrupt { .. } => ERRCODE_DATA_CORRUPTED,
            CatalogError::Spi(_) => ERRCODE_INTERNAL_ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            CatalogError::UnknownModel(_) => {
                "Train it with profile_train(); SELECT DISTINCT name FROM persona.models lists \
                 the models there are."
                    .into()
            }
            CatalogError::UnknownVersion { name, .. } => format!(
                "SELECT version FROM persona.models WHERE name = '{name}' lists its versions."
            ),
            CatalogError::NoDeployedVersion(_) => {
                "Deploy a version with profile_deploy(), or name one as model@version.".into()
            }
            CatalogError::NothingToRollBack(_) => {
                "persona.deployments shows the deploy history; profile_deploy() deploys any \
                 version."
                    .into()
            }
            CatalogError::BadName(_) => {
                "A model name is not empty and has no '@'; write name@version (a positive \
                 integer) to name a version."
                    .into()
            }
            CatalogError::Corrupt { .. } | CatalogError::Spi(_) => return None,
        })
    }
}

impl SqlError for DatasetError {
    fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            DatasetError::NoSuchRelation(_) => ERRCODE_UNDEFINED_TABLE,
            DatasetError::NotARelation { .. } => ERRCODE_WRONG_OBJECT_TYPE,
            DatasetError::UnknownColumn { .. } => ERRCODE_UNDEFINED_COLUMN,
            DatasetError::UnsupportedType { .. } => ERRCODE_DATATYPE_MISMATCH,
            DatasetError::TargetIsFeature(_) => ERRCODE_INVALID_PARAMETER_VALUE,
            DatasetError::Spi(_) => ERRCODE_INTERNAL_ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            DatasetError::UnknownColumn { .. } => {
                "Column names are case sensitive: write them as the relation spells them.".into()
            }
            DatasetError::UnsupportedType { column, .. } => format!(
                "Features and targets are numbers, booleans, text or enums. Derive one from \
                 \"{column}\" in a view, e.g. extract(epoch FROM now() - \"{column}\") / 86400 \
                 AS {column}_age_days, or leave it out with exclude."
            ),
            DatasetError::TargetIsFeature(_) => "Remove the target from features.".into(),
            DatasetError::NotARelation { .. } => {
                "Train on a table, a view or a materialized view.".into()
            }
            DatasetError::NoSuchRelation(_) | DatasetError::Spi(_) => return None,
        })
    }
}

impl SqlError for ScoringError {
    fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            ScoringError::NotARow(_) | ScoringError::UnsupportedType { .. } => {
                ERRCODE_DATATYPE_MISMATCH
            }
            ScoringError::MissingFeature { .. } => ERRCODE_UNDEFINED_COLUMN,
            ScoringError::Catalog(e) => e.sqlstate(),
            ScoringError::Dataset(e) => e.sqlstate(),
            ScoringError::Ml(e) => e.sqlstate(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ScoringError::NotARow(_) => Some(
                "Pass a whole row, e.g. profile_score('churn', c) FROM customers c, or a \
                 jsonb object of features."
                    .into(),
            ),
            ScoringError::MissingFeature { model, .. } => Some(format!(
                "The input needs every feature of the model, by name: SELECT features FROM \
                 persona.models lists those of {model}."
            )),
            ScoringError::UnsupportedType { .. } => Some(
                "Pass the feature with the type it had at training: a number, boolean or text."
                    .into(),
            ),
            ScoringError::Catalog(e) => e.hint(),
            ScoringError::Dataset(e) => e.hint(),
            ScoringError::Ml(e) => e.hint(),
        }
    }
}

impl SqlError for TrainError {
    fn sqlstate(&self) -> PgSqlErrorCode {
        match self {
            TrainError::RelationGone { .. } => PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
            TrainError::Ml(e) => e.sqlstate(),
            TrainError::Dataset(e) => e.sqlstate(),
            TrainError::Catalog(e) => e.sqlstate(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            TrainError::RelationGone { .. } => {
                Some("Train a new version on another relation with profile_train().".into())
            }
            TrainError::Ml(e) => e.hint(),
            TrainError::Dataset(e) => e.hint(),
            TrainError::Catalog(e) => e.hint(),
        }
    }
}

impl SqlError for SpecError {
    fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            SpecError::NotAnObject(_) | SpecError::Invalid { .. } => {
                ERRCODE_INVALID_PARAMETER_VALUE
            }
            SpecError::Unsupported { .. } => ERRCODE_FEATURE_NOT_SUPPORTED,
            SpecError::Syntax { .. } => ERRCODE_SYNTAX_ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            SpecError::NotAnObject(_) => {
                "Write features as '{\"orders\": \"count(*)\", \"spend\": \"sum(amount)\"}'.".into()
            }
            SpecError::Invalid { .. } => {
                "A feature is \"name\": \"aggregate\" or \"name\": {\"aggregate\": \"...\", \
                 \"window\": \"30 days\"}."
                    .into()
            }
            SpecError::Unsupported { .. } => format!(
                "{AGGREGATES_HINT} DISTINCT and ordered-set aggregates cannot be kept up to date \
                 row by row; for a time window write {{\"aggregate\": \"sum(amount)\", \
                 \"window\": \"30 days\"}}."
            ),
            SpecError::Syntax { .. } => AGGREGATES_HINT.into(),
        })
    }
}

const AGGREGATES_HINT: &str = "A feature is count(*), count(expr), sum(expr), avg(expr), \
     min(expr) or max(expr), optionally followed by FILTER (WHERE condition).";

impl SqlError for ProfileError {
    fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            ProfileError::Spec(e) => e.sqlstate(),
            ProfileError::UnknownProfile(_) => ERRCODE_UNDEFINED_OBJECT,
            ProfileError::Exists(_) => ERRCODE_DUPLICATE_OBJECT,
            ProfileError::ObjectExists {
                kind: "function", ..
            } => ERRCODE_DUPLICATE_FUNCTION,
            ProfileError::ObjectExists { .. } => ERRCODE_DUPLICATE_TABLE,
            ProfileError::BadName(_) => ERRCODE_INVALID_NAME,
            ProfileError::NameTooLong { .. } => ERRCODE_NAME_TOO_LONG,
            ProfileError::NoSchema(_) => ERRCODE_INVALID_SCHEMA_NAME,
            ProfileError::NotATable(_) => ERRCODE_WRONG_OBJECT_TYPE,
            ProfileError::UnknownColumn { .. } => ERRCODE_UNDEFINED_COLUMN,
            ProfileError::BadTimeType { .. } | ProfileError::NotNumeric { .. } => {
                ERRCODE_DATATYPE_MISMATCH
            }
            ProfileError::Expression { sqlstate, .. } => *sqlstate,
            ProfileError::BadWindow { sqlstate, .. } => *sqlstate,
            ProfileError::Clash { .. } => ERRCODE_DUPLICATE_COLUMN,
            ProfileError::Isolation(_) => ERRCODE_INVALID_TRANSACTION_STATE,
            ProfileError::SourceGone(_) => ERRCODE_UNDEFINED_TABLE,
            ProfileError::Spi(_) => ERRCODE_INTERNAL_ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            ProfileError::Spec(e) => return e.hint(),
            ProfileError::UnknownProfile(_) => {
                "SELECT name FROM persona.profiles lists the profiles there are.".into()
            }
            ProfileError::Exists(_) => {
                "Choose another name, or remove the profile first with profile_undefine().".into()
            }
            ProfileError::ObjectExists { .. } => {
                "A profile named p creates p, p_now, p_as_of(timestamptz) and p_maintain(); \
                 choose a name none of them clashes with."
                    .into()
            }
            ProfileError::BadName(_) => "Write the profile as name or schema.name.".into(),
            ProfileError::NameTooLong { .. } => {
                "The longest suffix of its objects (_truncate) must fit in 63 bytes.".into()
            }
            ProfileError::NoSchema(_) => {
                "Qualify the profile name with a schema, or set search_path.".into()
            }
            ProfileError::NotATable(_) => {
                "A profile's source is a table or a partitioned table that rows are written to."
                    .into()
            }
            ProfileError::UnknownColumn { .. } => {
                "Column names are case sensitive: write them as the table spells them.".into()
            }
            ProfileError::BadTimeType { column, .. } => format!(
                "Add a timestamptz column, or define the profile over a table where \"{column}\" \
                 is a time."
            ),
            ProfileError::NotNumeric { .. } => {
                "Sums and averages are of numbers; cast the expression, e.g. sum(x::numeric)."
                    .into()
            }
            ProfileError::Expression { .. } => {
                "Expressions are SQL over the source row's columns, as in a SELECT from the \
                 source."
                    .into()
            }
            ProfileError::BadWindow { .. } => {
                "A window is a positive interval such as \"30 days\" or \"12 hours\".".into()
            }
            ProfileError::Clash { .. } => format!(
                "Rename the feature: the profile has the key column and {} besides its features.",
                crate::profile::resolve::BUILT_IN_COLUMNS.join(", ")
            ),
            ProfileError::Isolation(_) => {
                "Run it outside an explicit REPEATABLE READ or SERIALIZABLE transaction.".into()
            }
            ProfileError::SourceGone(_) => "Remove the profile with profile_undefine().".into(),
            ProfileError::Spi(_) => return None,
        })
    }
}
