//! The learning code: preprocessing, algorithms, metrics, splits and model
//! serialization. Plain Rust with no Postgres in it (a test in `tests/ml_is_pure.rs`
//! enforces that), so every piece is unit-tested with ordinary `#[test]`s.

pub mod error;
pub mod evaluate;
pub mod explain;
pub mod forest;
pub mod gbdt;
pub mod lbfgs;
pub mod lightgbm;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod options;
pub mod preprocess;
pub mod rng;
pub mod split;
pub mod train;

pub use error::MlError;
