//! Training as `profile_train` and `profile_retrain` do it: pick the features, read the
//! relation as the caller, train, store the version in the catalog and deploy it
//! according to the policy.

use pgrx::prelude::*;
use serde_json::{json, Value as Json};

use crate::catalog::{self, deployments, models, CatalogError};
use crate::config;
use crate::dataset::{self, DatasetError, Kind, Sample, TargetKind};
use crate::ml::model::{Algorithm, Task};
use crate::ml::options::{DeployPolicy, TrainOptions};
use crate::ml::preprocess::Column;
use crate::ml::split::Part;
use crate::ml::{evaluate::evaluate, train, MlError};
use crate::progress::Progress;
use crate::scoring::catalog_changed;

/// Why a training call failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("relation {relation} that model \"{model}\" was trained on does not exist")]
    RelationGone { model: String, relation: String },
    #[error(transparent)]
    Ml(#[from] MlError),
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// What to train.
pub struct Request {
    pub name: String,
    pub relid: pg_sys::Oid,
    pub target: String,
    pub algorithm: Algorithm,
    pub features: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    pub options: Json,
}

/// The stored version, as `profile_train` returns it.
pub struct Outcome {
    pub name: String,
    pub version: i32,
    pub algorithm: Algorithm,
    pub task: Task,
    pub rows: train::Rows,
    pub metrics: Json,
    pub deployed: bool,
    /// The hyperparameters chosen and every combination tried.
    pub hyperparameters: Json,
}

/// The request `profile_retrain` repeats: the newest version's arguments.
pub fn retrain_request(model: &str) -> Result<Request, TrainError> {
    let latest = models::load(models::latest(model)?)?;
    let relid = Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[latest.relation.as_str().into()],
    )
    .ok()
    .flatten()
    .filter(|oid| *oid != pg_sys::InvalidOid)
    .ok_or_else(|| TrainError::RelationGone {
        model: model.to_string(),
        relation: latest.relation.clone(),
    })?;
    let list = |key: &str| {
        latest.spec[key].as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
    };
    Ok(Request {
        name: model.to_string(),
        relid,
        target: latest.target.clone(),
        algorithm: latest.model.algorithm,
        features: list("features"),
        exclude: list("exclude"),
        options: latest.options.clone(),
    })
}

/// Trains, stores and (per the policy) deploys a new version.
pub fn run(r: Request) -> Result<Outcome, TrainError> {
    catalog::check_name(&r.name)?;
    let mut options = TrainOptions::from_json(&r.options)?;
    options.check_algorithm(r.algorithm)?;
    options.threads = options
        .threads
        .or(Some(config::THREADS.get().max(1) as u32));
    let info = dataset::describe(r.relid)?;

    // The target, and how to read it for this algorithm.
    let target_kind = match (r.algorithm, info.column(&r.target)?.kind) {
        (Algorithm::Linear, Kind::Numeric) => TargetKind::Number,
        (Algorithm::Linear, _) => return Err(MlError::NonNumericTarget.into()),
        (Algorithm::Logistic | Algorithm::Gbdt, Kind::Boolean) => TargetKind::Bool,
        // Trees regress on a numeric target and classify any other.
        (Algorithm::Gbdt, Kind::Numeric) => TargetKind::Number,
        (Algorithm::Logistic | Algorithm::Gbdt, _) => {
            info.usable_column(&r.target, "target")?;
            TargetKind::Text
        }
    };
    // A column that gives each row's part of the split is read, but is no feature.
    let split_column = options.split_column.clone();
    if let Some(column) = &split_column {
        if info.column(column)?.kind != Kind::Categorical || *column == r.target {
            return Err(MlError::InvalidOption {
                option: "split_column",
                reason: format!(
                    "\"{column}\" must be a text column other than the target, holding 'train', 'validation' or 'test'"
                ),
            }
            .into());
        }
    }

    // The features: as listed, or every column but the target and the excluded ones.
    let exclude = r.exclude.clone().unwrap_or_default();
    for name in &exclude {
        info.column(name)?;
    }
    let names: Vec<String> = match &r.features {
        Some(list) => {
            for name in list {
                info.column(name)?;
                if *name == r.target {
                    return Err(DatasetError::TargetIsFeature(name.clone()).into());
                }
            }
            list.clone()
        }
        None => info
            .columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| *n != r.target && !exclude.contains(n) && Some(n) != split_column.as_ref())
            .collect(),
    };
    if let Some(column) = &split_column {
        if names.contains(column) {
            return Err(MlError::InvalidOption {
                option: "split_column",
                reason: format!("\"{column}\" is also listed in features"),
            }
            .into());
        }
    }
    let mut features = Vec::with_capacity(names.len());
    for name in names {
        let kind = info.usable_column(&name, "feature")?.kind;
        features.push((name, kind));
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
    if let Some(column) = &split_column {
        features.push((column.clone(), Kind::Categorical));
    }
    let mut progress = Progress::new("profile_train");
    let mut data = dataset::read(
        &info,
        &features,
        Some((&r.target, target_kind)),
        sample,
        &mut |rows| progress.tick(|| format!("read {rows} rows")),
    )?;
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
    let parts = match &split_column {
        Some(column) => Some(split_parts(column, data.features.pop())?),
        None => None,
    };
    let target = data.target.as_ref().expect("the target was read");
    let what = if r.algorithm == Algorithm::Gbdt {
        "tree"
    } else {
        "iteration"
    };
    let trained = train::train_split(
        &data.features,
        target,
        r.algorithm,
        &options,
        parts.as_deref(),
        &mut |it| {
            pg_sys::check_for_interrupts!();
            progress.tick(|| format!("{what} {}, loss {:.6}", it.iteration, it.loss));
            Ok(())
        },
    )?;

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
    })?;

    let decision = decide(&r.name, options.deploy, &trained, &data.features, target)?;
    if let Some(reason) = &decision.deploy {
        deployments::deploy(&r.name, id, reason)?;
    }
    catalog_changed();
    notice!(
        "profile_train: {}@{version}: {}",
        r.name,
        decision.explanation
    );

    Ok(Outcome {
        name: r.name,
        version,
        algorithm: r.algorithm,
        task: trained.model.task,
        rows: trained.rows,
        metrics: trained.metrics,
        deployed: decision.deploy.is_some(),
        hyperparameters: trained.hyperparameters,
    })
}

/// Each row's part of the split, from the values of `options.split_column`.
fn split_parts(column: &str, read: Option<(String, Column)>) -> Result<Vec<Part>, TrainError> {
    let Some((_, Column::Categorical(values))) = read else {
        unreachable!("the split column is read last, as text")
    };
    let parts = values
        .iter()
        .map(|v| match v.as_deref() {
            Some("train") => Ok(Part::Train),
            Some("validation") => Ok(Part::Validation),
            Some("test") => Ok(Part::Test),
            other => Err(MlError::BadSplitValue {
                column: column.to_string(),
                value: other.map_or("NULL".to_string(), |v| format!("'{v}'")),
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !parts.contains(&Part::Train) {
        return Err(MlError::NoTrainingRows(column.to_string()).into());
    }
    Ok(parts)
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
) -> Result<Decision, TrainError> {
    let deploy = |reason: String| Decision {
        explanation: format!("deployed: {reason}"),
        deploy: Some(reason),
    };
    Ok(match policy {
        DeployPolicy::Never => Decision {
            deploy: None,
            explanation: "not deployed: options.deploy is \"never\"".into(),
        },
        DeployPolicy::Always => deploy("options.deploy is \"always\"".into()),
        DeployPolicy::Auto => {
            let Some(current) = deployments::deployed(name)? else {
                return Ok(deploy("no version was deployed".into()));
            };
            let metric = judging_metric(trained.model.task);
            let part = trained.holdout_part;
            let new = trained.metrics[part][metric].as_f64();
            let old_version = models::load(current)?;
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
    })
}
