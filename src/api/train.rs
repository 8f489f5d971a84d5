//! `profile_train` and `profile_retrain`: read a relation as the caller, train, store
//! the version in the catalog and deploy it according to the deploy policy.

use std::time::{Duration, Instant};

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};
use serde_json::{json, Value as Json};

use super::error::OrRaise;
use crate::catalog::{self, deployments, models};
use crate::config;
use crate::dataset::{self, DatasetError, Kind, Sample, TargetKind};
use crate::ml::model::{Algorithm, Task};
use crate::ml::options::{DeployPolicy, TrainOptions};
use crate::ml::{evaluate::evaluate, train, MlError};
use crate::scoring::catalog_changed;

/// A row of profile_train's result (the SQL signatures spell out the column names).
type TrainRow = (String, i32, String, String, i64, i64, i64, JsonB, bool);

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
    TableIterator::once(run(request))
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
    ),
> {
    let latest = models::load(models::latest(model).or_raise()).or_raise();
    let relid = Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[latest.relation.as_str().into()],
    )
    .ok()
    .flatten()
    .filter(|oid| *oid != pg_sys::InvalidOid);
    let Some(relid) = relid else {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
            format!(
                "relation {} that model \"{model}\" was trained on does not exist",
                latest.relation
            ),
            "pg_persona",
        )
        .set_hint("Train a new version on another relation with profile_train().")
        .report(PgLogLevel::ERROR);
        unreachable!()
    };
    let list = |key: &str| {
        latest.spec[key].as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
    };
    let request = Request {
        name: model.to_string(),
        relid,
        target: latest.target.clone(),
        algorithm: latest.model.algorithm,
        features: list("features"),
        exclude: list("exclude"),
        options: latest.options.clone(),
    };
    TableIterator::once(run(request))
}

struct Request {
    name: String,
    relid: pg_sys::Oid,
    target: String,
    algorithm: Algorithm,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    options: Json,
}

/// Says what a long call is doing, at most every few seconds.
struct Progress {
    started: Instant,
    last: Instant,
}

impl Progress {
    const EVERY: Duration = Duration::from_secs(5);

    fn new() -> Self {
        let now = Instant::now();
        Progress {
            started: now,
            last: now,
        }
    }

    fn tick(&mut self, what: impl FnOnce() -> String) {
        if self.last.elapsed() >= Self::EVERY {
            self.last = Instant::now();
            notice!(
                "profile_train: {} ({:.0} s)",
                what(),
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

fn run(r: Request) -> TrainRow {
    catalog::check_name(&r.name).or_raise();
    let options = TrainOptions::from_json(&r.options).or_raise();
    let info = dataset::describe(r.relid).or_raise();

    // The target, and how to read it for this algorithm.
    let target_column = info.column(&r.target).or_raise();
    let target_kind = match (r.algorithm, target_column.kind) {
        (Algorithm::Linear, Kind::Numeric) => TargetKind::Number,
        (Algorithm::Linear, _) => Err::<TargetKind, _>(MlError::NonNumericTarget).or_raise(),
        (Algorithm::Logistic, Kind::Boolean) => TargetKind::Bool,
        (Algorithm::Logistic, Kind::Unsupported) => Err(DatasetError::UnsupportedType {
            relation: info.display.clone(),
            column: r.target.clone(),
            type_name: target_column.type_name.clone(),
            role: "target",
        })
        .or_raise(),
        (Algorithm::Logistic, _) => TargetKind::Text,
    };

    // The features: as listed, or every column but the target and the excluded ones.
    let exclude = r.exclude.clone().unwrap_or_default();
    for name in &exclude {
        info.column(name).or_raise();
    }
    let names: Vec<String> = match &r.features {
        Some(list) => {
            for name in list {
                info.column(name).or_raise();
                if *name == r.target {
                    Err::<(), _>(DatasetError::TargetIsFeature(name.clone())).or_raise();
                }
            }
            list.clone()
        }
        None => info
            .columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| *n != r.target && !exclude.contains(n))
            .collect(),
    };
    let mut features = Vec::with_capacity(names.len());
    for name in names {
        let column = info.column(&name).or_raise();
        if column.kind == Kind::Unsupported {
            Err::<(), _>(DatasetError::UnsupportedType {
                relation: info.display.clone(),
                column: name.clone(),
                type_name: column.type_name.clone(),
                role: "feature",
            })
            .or_raise();
        }
        features.push((name, column.kind));
    }

    let max_rows = options.max_rows.or_else(|| {
        u64::try_from(config::MAX_ROWS.get())
            .ok()
            .filter(|&n| n > 0)
    });
    let sample = max_rows.map(|rows| Sample {
        rows,
        seed: options.seed,
    });
    let mut progress = Progress::new();
    let data = dataset::read(
        &info,
        &features,
        Some((&r.target, target_kind)),
        sample,
        &mut |rows| progress.tick(|| format!("read {rows} rows")),
    )
    .or_raise();
    if let Some(limit) = max_rows {
        let rows = data.target.as_ref().map_or(0, |t| t.len()) as u64;
        if rows == limit {
            notice!(
                "profile_train: trained on a sample of {rows} labelled rows of {} (max_rows)",
                info.display
            );
        }
    }
    if data.skipped > 0 {
        notice!(
            "profile_train: skipped {} rows of {} whose target \"{}\" is NULL",
            data.skipped,
            info.display,
            r.target
        );
    }
    let target = data.target.as_ref().expect("the target was read");
    let trained = train::train(&data.features, target, r.algorithm, &options, &mut |it| {
        pg_sys::check_for_interrupts!();
        progress.tick(|| format!("iteration {}, loss {:.6}", it.iteration, it.loss));
        Ok(())
    })
    .or_raise();

    let spec = json!({"features": r.features, "exclude": r.exclude});
    let (id, version) = models::insert(&models::NewVersion {
        name: &r.name,
        relation: &info.qualified,
        target: &r.target,
        spec,
        options: r.options.clone(),
        positive_class: trained.positive.as_deref(),
        hyperparameters: trained.hyperparameters.clone(),
        metrics: trained.metrics.clone(),
        rows: [
            trained.rows.train as i64,
            trained.rows.validation as i64,
            trained.rows.test as i64,
        ],
        model: &trained.model,
    })
    .or_raise();

    let decision = decide(&r.name, options.deploy, &trained, &data.features, target);
    if let Some(reason) = &decision.deploy {
        deployments::deploy(&r.name, id, reason).or_raise();
    }
    catalog_changed();
    notice!(
        "profile_train: {}@{version}: {}",
        r.name,
        decision.explanation
    );

    (
        r.name,
        version,
        r.algorithm.name().to_string(),
        trained.model.task.name().to_string(),
        trained.rows.train as i64,
        trained.rows.validation as i64,
        trained.rows.test as i64,
        JsonB(trained.metrics),
        decision.deploy.is_some(),
    )
}

struct Decision {
    /// The reason recorded with the deployment, if the new version is deployed.
    deploy: Option<String>,
    /// What to tell the user either way.
    explanation: String,
}

/// The metric that decides between versions: ROC AUC for classifiers, R² for
/// regression.
fn judging_metric(task: Task) -> &'static str {
    match task {
        Task::Regression => "r2",
        Task::Binary | Task::Multiclass => "roc_auc",
    }
}

fn decide(
    name: &str,
    policy: DeployPolicy,
    trained: &train::Trained,
    features: &[(String, crate::ml::preprocess::Column)],
    target: &train::Target,
) -> Decision {
    let deploy = |reason: String| Decision {
        explanation: format!("deployed: {reason}"),
        deploy: Some(reason),
    };
    match policy {
        DeployPolicy::Never => Decision {
            deploy: None,
            explanation: "not deployed: options.deploy is \"never\"".into(),
        },
        DeployPolicy::Always => deploy("options.deploy is \"always\"".into()),
        DeployPolicy::Auto => {
            let Some(current) = deployments::deployed(name).or_raise() else {
                return deploy("no version was deployed".into());
            };
            let metric = judging_metric(trained.model.task);
            let part = trained.holdout_part;
            let new = trained.metrics[part][metric].as_f64();
            let old_version = models::load(current).or_raise();
            // Measure the deployed version on the same rows; if it cannot read them (other
            // features, other classes), fall back on the metric it recorded.
            let old = if old_version.model.task == trained.model.task {
                evaluate(
                    &old_version.model,
                    features,
                    target,
                    Some(&trained.holdout_rows),
                )
                .ok()
                .and_then(|m| m[metric].as_f64())
                .map(|v| (v, "on the same rows"))
            } else {
                None
            }
            .or_else(|| {
                old_version.metrics[part][metric]
                    .as_f64()
                    .map(|v| (v, "as recorded at its training"))
            });
            match (new, old) {
                (Some(new), Some((old, how))) if new >= old => deploy(format!(
                    "{part} {metric} {new:.4} >= {old:.4} of version {} {how}",
                    old_version.version
                )),
                (Some(new), Some((old, how))) => Decision {
                    deploy: None,
                    explanation: format!(
                        "not deployed: {part} {metric} {new:.4} < {old:.4} of deployed version {} {how}",
                        old_version.version
                    ),
                },
                _ => deploy(format!(
                    "{metric} cannot be compared with version {}",
                    old_version.version
                )),
            }
        }
    }
}
