//! `persona.profiles`: one row per profile `profile_define` created, keyed by the
//! profile table's schema-qualified name. Written as the extension's owner.

use pgrx::prelude::*;
use pgrx::spi::SpiError;
use pgrx::JsonB;
use serde_json::Value as Json;

use super::as_extension_owner;

/// A profile definition as stored.
#[derive(Debug, Clone)]
pub struct ProfileRow {
    /// `format('%I.%I', schema, table)` of the profile table.
    pub name: String,
    pub schema: String,
    pub table: String,
    pub source: pg_sys::Oid,
    pub key: String,
    pub time: String,
    pub features: Json,
    /// The search path the generated functions pin, which rebuild and verify use too.
    pub search_path: String,
    /// The index profile_define created on the source, if it created one.
    /// Schema-qualified and quoted (text, not regclass: pg_dump restores this table
    /// before it creates indexes).
    pub source_index: Option<String>,
}

/// The profile `text` names: `schema.table`, or `table` in the first schema of the
/// search path that has a profile of that name.
pub fn find(text: &str) -> Result<Option<ProfileRow>, SpiError> {
    Spi::connect(|client| {
        let rows = client.select(
            "WITH id AS (SELECT pg_catalog.parse_ident($1) AS p)
             SELECT pr.name, (pg_catalog.parse_ident(pr.name))[1], (pg_catalog.parse_ident(pr.name))[2],
                    pr.source::oid, pr.key, pr.time, pr.features, pr.search_path,
                    pr.source_index
             FROM id CROSS JOIN persona.profiles AS pr
             LEFT JOIN LATERAL pg_catalog.unnest(pg_catalog.current_schemas(true))
                       WITH ORDINALITY AS s(nsp, pos) ON true
             WHERE (pg_catalog.cardinality(id.p) = 2
                    AND pr.name = pg_catalog.format('%I.%I', id.p[1], id.p[2]))
                OR (pg_catalog.cardinality(id.p) = 1
                    AND pr.name = pg_catalog.format('%I.%I', s.nsp, id.p[1]))
             ORDER BY s.pos
             LIMIT 1",
            None,
            &[text.into()],
        )?;
        if rows.is_empty() {
            return Ok(None);
        }
        let row = rows.first();
        Ok(Some(ProfileRow {
            name: row.get(1)?.unwrap_or_default(),
            schema: row.get(2)?.unwrap_or_default(),
            table: row.get(3)?.unwrap_or_default(),
            source: row.get(4)?.unwrap_or(pg_sys::InvalidOid),
            key: row.get(5)?.unwrap_or_default(),
            time: row.get(6)?.unwrap_or_default(),
            features: row.get::<JsonB>(7)?.map(|j| j.0).unwrap_or(Json::Null),
            search_path: row.get(8)?.unwrap_or_default(),
            source_index: row.get(9)?,
        }))
    })
}

/// Whether a profile with this exact qualified name exists.
pub fn exists(name: &str) -> Result<bool, SpiError> {
    Ok(Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT FROM persona.profiles WHERE name = $1)",
        &[name.into()],
    )?
    .unwrap_or(false))
}

pub fn insert(row: &ProfileRow) -> Result<(), SpiError> {
    let caller = Spi::get_one::<String>("SELECT current_user::text")?.unwrap_or_default();
    as_extension_owner(|| {
        Spi::run_with_args(
            "INSERT INTO persona.profiles
                 (name, source, key, time, features, search_path, source_index, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                row.name.as_str().into(),
                row.source.into(),
                row.key.as_str().into(),
                row.time.as_str().into(),
                JsonB(row.features.clone()).into(),
                row.search_path.as_str().into(),
                row.source_index.as_deref().into(),
                caller.as_str().into(),
            ],
        )
    })
}

pub fn delete(name: &str) -> Result<(), SpiError> {
    as_extension_owner(|| {
        Spi::run_with_args(
            "DELETE FROM persona.profiles WHERE name = $1",
            &[name.into()],
        )
    })
}
