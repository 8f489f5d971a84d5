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
    let target_ordinal = features.len() + 1;

    Spi::connect(|client| -> Result<(), DatasetError> {
        let mut cursor = client.open_cursor(query.as_str(), &[]);
        loop {
            let batch = cursor.fetch(BATCH)?;
            if batch.is_empty() {
                break;
            }
            for row in batch {
                read += 1;
                if let Some(t) = target_values.as_mut() {
                    let present = match t {
                        Target::Bool(v) => row.get::<bool>(target_ordinal)?.map(|x| v.push(x)),
                        Target::Text(v) => row.get::<String>(target_ordinal)?.map(|x| v.push(x)),
                        Target::Number(v) => row.get::<f64>(target_ordinal)?.map(|x| v.push(x)),
                    };
                    if present.is_none() {
                        skipped += 1;
                        continue;
                    }
                }
                for (i, column) in columns.iter_mut().enumerate() {
                    match column {
                        Column::Numeric(v) => v.push(row.get::<f64>(i + 1)?),
                        Column::Boolean(v) => v.push(row.get::<bool>(i + 1)?),
                        Column::Categorical(v) => v.push(row.get::<String>(i + 1)?),
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
