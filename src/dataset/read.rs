//! Reading a relation's columns in batches through a cursor, as the caller.

use pgrx::prelude::*;

use super::columns::{quote_ident, Kind, RelationInfo};
use super::DatasetError;
use crate::ml::preprocess::Column;
use crate::ml::train::Target;

/// How the target column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Bool,
    Text,
    Number,
}

/// The columns read, row-aligned.
#[derive(Debug)]
pub struct Dataset {
    pub features: Vec<(String, Column)>,
    /// `None` when no target was asked for.
    pub target: Option<Target>,
    /// Rows left out because their target is NULL.
    pub skipped: u64,
}

const BATCH: i64 = 10_000;

/// A text datum as a Rust string.
///
/// # Safety
/// `d` must be a non-NULL `text` datum.
unsafe fn text(d: pg_sys::Datum) -> String {
    String::from_datum(d, false).unwrap_or_default()
}

fn expression(column: &str, kind: Kind) -> String {
    let q = quote_ident(column);
    match kind {
        Kind::Numeric => format!("{q}::pg_catalog.float8"),
        Kind::Categorical => format!("{q}::pg_catalog.text"),
        Kind::Boolean | Kind::Unsupported => q,
    }
}

/// At most `rows` labelled rows: those with the smallest hash (seeded with `seed`) of
/// their whole content, so the same relation contents give the same sample whatever
/// their physical order.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub rows: u64,
    pub seed: u64,
}

/// Reads `features` and, if given, `target` from the relation. Rows whose target is
/// NULL are skipped and counted (with a `sample`, they are left out by the query and not
/// counted). `progress` is called with the rows read so far after each batch.
pub fn read(
    info: &RelationInfo,
    features: &[(String, Kind)],
    target: Option<(&str, TargetKind)>,
    sample: Option<Sample>,
    progress: &mut dyn FnMut(u64),
) -> Result<Dataset, DatasetError> {
    let mut exprs: Vec<String> = features.iter().map(|(c, k)| expression(c, *k)).collect();
    if let Some((column, kind)) = target {
        exprs.push(match kind {
            TargetKind::Bool => expression(column, Kind::Boolean),
            TargetKind::Text => expression(column, Kind::Categorical),
            TargetKind::Number => expression(column, Kind::Numeric),
        });
    }
    let mut query = format!("SELECT {} FROM {} AS r", exprs.join(", "), info.display);
    if let Some(Sample { rows, seed }) = sample {
        if let Some((column, _)) = target {
            query.push_str(&format!(" WHERE r.{} IS NOT NULL", quote_ident(column)));
        }
        query.push_str(&format!(
            " ORDER BY pg_catalog.hashtextextended(ROW(r.*)::pg_catalog.text, {}) LIMIT {rows}",
            seed as i64
        ));
    }

    let mut columns: Vec<Column> = features
        .iter()
        .map(|(_, kind)| match kind {
            Kind::Numeric => Column::Numeric(Vec::new()),
            Kind::Boolean => Column::Boolean(Vec::new()),
            _ => Column::Categorical(Vec::new()),
        })
        .collect();
    let mut target_values = target.map(|(_, kind)| match kind {
        TargetKind::Bool => Target::Bool(Vec::new()),
        TargetKind::Text => Target::Text(Vec::new()),
        TargetKind::Number => Target::Number(Vec::new()),
    });
    let mut skipped = 0u64;
    let mut read = 0u64;

    Spi::connect(|client| -> Result<(), DatasetError> {
        let mut cursor = client.open_cursor(query.as_str(), &[]);
        let width = exprs.len();
        let mut datums = vec![pg_sys::Datum::from(0); width];
        let mut nulls = vec![false; width];
        loop {
            let batch = cursor.fetch(BATCH)?;
            if batch.is_empty() {
                break;
            }
            // SAFETY: `batch` keeps SPI_tuptable, which the fetch just filled, alive; each
            // tuple is deformed once into datums of the types the query casts to
            // (float8, which is passed by value, boolean and text).
            unsafe {
                let table = pg_sys::SPI_tuptable;
                let tupdesc = (*table).tupdesc;
                for i in 0..batch.len() {
                    let tuple = *(*table).vals.add(i);
                    pg_sys::heap_deform_tuple(
                        tuple,
                        tupdesc,
                        datums.as_mut_ptr(),
                        nulls.as_mut_ptr(),
                    );
                    read += 1;
                    let value = |k: usize| (!nulls[k]).then_some(datums[k]);
                    if let Some(t) = target_values.as_mut() {
                        let Some(d) = value(width - 1) else {
                            skipped += 1;
                            continue;
                        };
                        match t {
                            Target::Bool(v) => v.push(d.value() != 0),
                            Target::Text(v) => v.push(text(d)),
                            Target::Number(v) => v.push(f64::from_bits(d.value() as u64)),
                        }
                    }
                    for (k, column) in columns.iter_mut().enumerate() {
                        let d = value(k);
                        match column {
                            Column::Numeric(v) => {
                                v.push(d.map(|d| f64::from_bits(d.value() as u64)))
                            }
                            Column::Boolean(v) => v.push(d.map(|d| d.value() != 0)),
                            Column::Categorical(v) => v.push(d.map(|d| text(d))),
                        }
                    }
                }
            }
            pg_sys::check_for_interrupts!();
            progress(read);
        }
        Ok(())
    })?;

    Ok(Dataset {
        features: features
            .iter()
            .map(|(name, _)| name.clone())
            .zip(columns)
            .collect(),
        target: target_values,
        skipped,
    })
}
