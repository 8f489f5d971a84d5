//! Per-backend cache of models by version id (never stale), and the per-call-site
//! memory of which version a name means (for the current statement only).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use pgrx::prelude::*;
use pgrx::PgMemoryContexts;

use super::row::RowLayouts;
use super::ScoringError;
use crate::catalog::{models, ModelRef};
use crate::ml::model::{Estimator, Model};
use crate::ml::preprocess::Value;

/// A deserialized model with the buffers scoring reuses for every row.
pub struct LoadedModel {
    /// `name@version`, for messages.
    pub label: String,
    pub model: Model,
    /// Encoded features and per-class scratch space, reused row after row.
    pub buffers: RefCell<(Vec<f64>, Vec<f64>)>,
    /// Where each feature's encoding starts in the model's input.
    pub offsets: Vec<usize>,
}

/// Identifies the statement being run: its start time within this backend's local
/// transaction, and how many catalog changes this backend has made (so that a function
/// that deploys and then scores within one statement sees its own deploy).
type StatementKey = (u32, i64, u64);

fn statement_key() -> StatementKey {
    // SAFETY: MyProc is this backend's own PGPROC, valid for the backend's lifetime.
    unsafe {
        (
            (*pg_sys::MyProc).lxid,
            pg_sys::GetCurrentStatementStartTimestamp(),
            GENERATION.with(|g| *g.borrow()),
        )
    }
}

/// Called after this backend changes which version a name means.
pub fn catalog_changed() {
    GENERATION.with(|g| *g.borrow_mut() += 1);
}

const MAX_CACHED_MODELS: usize = 64;

thread_local! {
    static GENERATION: RefCell<u64> = const { RefCell::new(0) };
    static MODELS: RefCell<HashMap<i64, Rc<LoadedModel>>> = RefCell::new(HashMap::new());
}

/// What a call site (one `profile_score(...)` in one query) remembers between rows:
/// the model, and where its features sit in the row types seen. Both are forgotten at
/// the next statement, so a table altered since is read afresh.
pub struct CallSite {
    key: StatementKey,
    reference: String,
    pub model: Rc<LoadedModel>,
    pub rows: RefCell<RowLayouts>,
}

/// The model `reference` names, remembered in the call site's `fn_extra` so that a
/// query scoring a million rows resolves it once (and again only if the statement, or a
/// catalog change of this backend, makes the remembered one stale).
///
/// # Safety
/// `fcinfo` must be the current call's, as pgrx passes it.
pub unsafe fn at_call_site<'a>(
    fcinfo: pg_sys::FunctionCallInfo,
    reference: &str,
) -> Result<&'a CallSite, ScoringError> {
    let flinfo = (*fcinfo).flinfo;
    let key = statement_key();
    let site = (*flinfo).fn_extra as *mut CallSite;
    if !site.is_null() && (*site).key == key && (*site).reference == reference {
        return Ok(&*site);
    }
    let fresh = CallSite {
        key,
        reference: reference.to_string(),
        model: loaded(reference)?,
        rows: RefCell::new(RowLayouts::default()),
    };
    if site.is_null() {
        // Dropped when the call site's memory context goes away with the query.
        let site = PgMemoryContexts::For((*flinfo).fn_mcxt).leak_and_drop_on_delete(fresh);
        (*flinfo).fn_extra = site.cast();
        Ok(&*site)
    } else {
        *site = fresh;
        Ok(&*site)
    }
}

/// The model `reference` (`name` or `name@version`) names now, loading it if needed.
fn loaded(reference: &str) -> Result<Rc<LoadedModel>, ScoringError> {
    let id = models::resolve(&ModelRef::parse(reference)?)?;
    if let Some(model) = MODELS.with(|m| m.borrow().get(&id).cloned()) {
        return Ok(model);
    }
    let stored = models::load(id)?;
    // Trees are read from their text here, once, so a model that cannot be read fails
    // with an error rather than at its first row.
    if let Estimator::Gbdt(trees) = &stored.model.estimator {
        trees.prepare()?;
    }
    let width = stored.model.width();
    let classes = stored.model.classes.len().max(1);
    let offsets = stored
        .model
        .features
        .iter()
        .scan(0, |at, f| {
            let start = *at;
            *at += f.encoder.width();
            Some(start)
        })
        .collect();
    let model = Rc::new(LoadedModel {
        offsets,
        label: format!("{}@{}", stored.name, stored.version),
        model: stored.model,
        buffers: RefCell::new((vec![0.0; width], vec![0.0; classes])),
    });
    MODELS.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MAX_CACHED_MODELS {
            m.clear();
        }
        m.insert(id, model.clone());
    });
    Ok(model)
}

impl LoadedModel {
    /// Encodes feature `k` into its slots of `x`.
    pub fn encode_feature(
        &self,
        k: usize,
        value: Value<'_>,
        x: &mut [f64],
    ) -> Result<(), ScoringError> {
        let feature = &self.model.features[k];
        let at = self.offsets[k];
        feature.encoder.encode(
            &feature.name,
            value,
            &mut x[at..at + feature.encoder.width()],
        )?;
        Ok(())
    }

    /// Scores an input once `fill` has encoded it (see `Model::score`).
    pub fn score(
        &self,
        fill: impl FnOnce(&Self, &mut [f64]) -> Result<(), ScoringError>,
    ) -> Result<f64, ScoringError> {
        let (x, scratch) = &mut *self.buffers.borrow_mut();
        fill(self, x)?;
        Ok(self.model.score(x, scratch))
    }

    /// The predicted label of an input once `fill` has encoded it.
    pub fn predict(
        &self,
        fill: impl FnOnce(&Self, &mut [f64]) -> Result<(), ScoringError>,
    ) -> Result<String, ScoringError> {
        let (x, scratch) = &mut *self.buffers.borrow_mut();
        fill(self, x)?;
        Ok(self.model.predict(x, scratch))
    }
}
