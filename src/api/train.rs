//! `profile_train` and `profile_retrain` (the work is in `crate::training`).

use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

use super::error::OrRaise;
use crate::ml::model::Algorithm;
use crate::training::{self, Outcome, Request};

/// A row of profile_train's result (the SQL signatures spell out the column names).
type TrainRow = (
    String,
    i32,
    String,
    String,
    i64,
    i64,
    i64,
    JsonB,
    bool,
    JsonB,
);

fn row(o: Outcome) -> TrainRow {
    (
        o.name,
        o.version,
        o.algorithm.name().to_string(),
        o.task.name().to_string(),
        o.rows.train as i64,
        o.rows.validation as i64,
        o.rows.test as i64,
        JsonB(o.metrics),
        o.deployed,
        JsonB(o.hyperparameters),
    )
}

/// Trains a new version of `model` on `relation`. See the README for every argument
/// and option.
// pgrx reads the result's column names from the signature, so the tuple is spelled out.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
fn profile_train(
    model: &str,
    relation: PgRelation,
    target: &str,
    algorithm: default!(&str, "'logistic'"),
    features: default!(Option<Vec<String>>, "NULL"),
    exclude: default!(Option<Vec<String>>, "NULL"),
    options: default!(JsonB, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(model, String),
        name!(version, i32),
        name!(algorithm, String),
        name!(task, String),
        name!(train_rows, i64),
        name!(validation_rows, i64),
        name!(test_rows, i64),
        name!(metrics, JsonB),
        name!(deployed, bool),
        name!(hyperparameters, JsonB),
    ),
> {
    let request = Request {
        name: model.to_string(),
        relid: relation.oid(),
        target: target.to_string(),
        algorithm: Algorithm::parse(algorithm).or_raise(),
        features,
        exclude,
        options: options.0,
    };
    drop(relation);
    TableIterator::once(row(training::run(request).or_raise()))
}

/// Trains a new version of `model` with the arguments of its latest version, on the
/// relation's current rows.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
fn profile_retrain(
    model: &str,
) -> TableIterator<
    'static,
    (
        name!(model, String),
        name!(version, i32),
        name!(algorithm, String),
        name!(task, String),
        name!(train_rows, i64),
        name!(validation_rows, i64),
        name!(test_rows, i64),
        name!(metrics, JsonB),
        name!(deployed, bool),
        name!(hyperparameters, JsonB),
    ),
> {
    let request = training::retrain_request(model).or_raise();
    TableIterator::once(row(training::run(request).or_raise()))
}
