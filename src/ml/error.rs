//! Errors of the learning code. They describe what is wrong with the input in the
//! caller's terms; `crate::api::error` turns them into Postgres errors with a SQLSTATE.

/// Why a learning computation refused its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MlError {
    /// Two inputs that must pair up element by element have different lengths.
    #[error("{left} has {left_len} elements but {right} has {right_len}")]
    LengthMismatch {
        left: &'static str,
        left_len: usize,
        right: &'static str,
        right_len: usize,
    },
    /// There is nothing to compute on.
    #[error("{what} is empty")]
    Empty { what: &'static str },
    /// An element is missing. `index` is 1-based, as SQL arrays are.
    #[error("{what}[{index}] is NULL")]
    Null { what: &'static str, index: usize },
    /// An element is NaN or infinite. `index` is 1-based.
    #[error("{what}[{index}] is {value}, not a finite number")]
    NotFinite {
        what: &'static str,
        index: usize,
        value: f64,
    },
    /// A numeric feature is NaN or infinite.
    #[error("feature \"{feature}\" is {value}")]
    NonFiniteFeature { feature: String, value: f64 },
    /// A feature's value is of another kind than the model was trained on.
    #[error("feature \"{feature}\" must be a {expected}, not a {got}")]
    WrongType {
        feature: String,
        expected: &'static str,
        got: &'static str,
    },
    /// The inputs do not determine a model (linear regression on degenerate columns).
    #[error("the features do not determine a model")]
    Singular,
    /// The caller stopped a computation between two iterations.
    #[error("cancelled")]
    Cancelled,
    /// A training option has a value it cannot take.
    #[error("option \"{option}\": {reason}")]
    InvalidOption {
        option: &'static str,
        reason: String,
    },
    /// No row has a label.
    #[error("no rows with a label to train on")]
    NoRows,
    /// Nothing to learn from.
    #[error("no features to train on")]
    NoFeatures,
    /// Classification needs two classes at least.
    #[error("the target has a single class, \"{0}\"")]
    OneClass(String),
    /// `options.positive` is not one of the target's classes.
    #[error("positive class \"{positive}\" is not one of the target's classes {classes:?}")]
    UnknownPositive {
        positive: String,
        classes: Vec<String>,
    },
    /// Regression needs a numeric target.
    #[error("algorithm \"linear\" needs a numeric target")]
    NonNumericTarget,
    /// A model's feature is not among the columns read.
    #[error("feature \"{0}\" is missing")]
    MissingFeature(String),
    /// A label the model was not trained on.
    #[error("label \"{0}\" was not among the classes the model was trained on")]
    UnseenLabel(String),
    /// `algorithm` names no algorithm pg_persona has.
    #[error("unknown algorithm \"{0}\"")]
    UnknownAlgorithm(String),
    /// An option given to an algorithm that does not take it.
    #[error(
        "option \"{option}\" does not apply to algorithm \"{algorithm}\" (only to {applies_to})"
    )]
    OptionNotForAlgorithm {
        option: String,
        algorithm: &'static str,
        applies_to: &'static str,
    },
    /// LightGBM refused a call; its own message.
    #[error("LightGBM: {0}")]
    LightGbm(String),
    /// `options.split_column` holds a value that names no part of the split.
    #[error("split column \"{column}\" holds {value}; expected 'train', 'validation' or 'test'")]
    BadSplitValue { column: String, value: String },
    /// `options.split_column` leaves no training rows.
    #[error("split column \"{0}\" marks no row 'train'")]
    NoTrainingRows(String),
    /// `options` has a key no algorithm knows.
    #[error("unknown option \"{0}\"")]
    UnknownOption(String),
    /// A value that must be a probability is outside [0, 1]; `what` names it as the
    /// caller wrote it (`threshold`, `scores[3]`).
    #[error("{what} is {value}, not a probability between 0 and 1")]
    NotAProbability { what: String, value: f64 },
}
