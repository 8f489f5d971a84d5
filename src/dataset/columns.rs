//! What a relation's columns are, from the system catalogs.

use std::ffi::{CStr, CString};

use pgrx::prelude::*;

use super::DatasetError;

/// How a column's values reach the learning code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// int2/4/8, float4/8, numeric (and domains over them): read as float8.
    Numeric,
    /// boolean: read as is.
    Boolean,
    /// text, varchar, char, name, enums: read as text.
    Categorical,
    /// Anything else: refused, with the type's name.
    Unsupported,
}

#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: String,
    pub type_name: String,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub struct RelationInfo {
    /// The name to write in a query now (qualified when not on the search_path).
    pub display: String,
    /// Always schema-qualified, for the catalog.
    pub qualified: String,
    pub columns: Vec<ColumnInfo>,
}

impl RelationInfo {
    /// The column `name`, refused unless its type can be read as a `role` (feature,
    /// target).
    pub fn usable_column(
        &self,
        name: &str,
        role: &'static str,
    ) -> Result<&ColumnInfo, DatasetError> {
        let column = self.column(name)?;
        if column.kind == Kind::Unsupported {
            return Err(DatasetError::UnsupportedType {
                relation: self.display.clone(),
                column: name.to_string(),
                type_name: column.type_name.clone(),
                role,
            });
        }
        Ok(column)
    }

    pub fn column(&self, name: &str) -> Result<&ColumnInfo, DatasetError> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| DatasetError::UnknownColumn {
                relation: self.display.clone(),
                column: name.to_string(),
            })
    }
}

/// Quotes an identifier the way Postgres does (only when needed).
pub fn quote_ident(name: &str) -> String {
    let c = CString::new(name).expect("identifiers have no NUL byte");
    // SAFETY: quote_identifier reads a NUL-terminated string and returns either it or a
    // palloc'd, NUL-terminated copy; both outlive this call.
    unsafe { CStr::from_ptr(pg_sys::quote_identifier(c.as_ptr())) }
        .to_string_lossy()
        .into_owned()
}

/// The relation's name and its columns with their kinds.
pub fn describe(relid: pg_sys::Oid) -> Result<RelationInfo, DatasetError> {
    Spi::connect(|client| {
        let header = client.select(
            "SELECT c.oid::regclass::text,
                    pg_catalog.format('%I.%I', n.nspname, c.relname),
                    c.relkind::text
             FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.oid = $1",
            None,
            &[relid.into()],
        )?;
        if header.is_empty() {
            return Err(DatasetError::NoSuchRelation(relid.to_u32()));
        }
        let row = header.first();
        let display: String = row.get(1)?.unwrap_or_default();
        let qualified: String = row.get(2)?.unwrap_or_default();
        let relkind: String = row.get(3)?.unwrap_or_default();
        if !matches!(relkind.as_str(), "r" | "v" | "m" | "p" | "f") {
            return Err(DatasetError::NotARelation { relation: display });
        }

        let rows = client.select(
            "SELECT a.attname::text,
                    pg_catalog.format_type(a.atttypid, a.atttypmod),
                    b.oid, b.typtype::text
             FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
             JOIN pg_catalog.pg_type b
               ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            None,
            &[relid.into()],
        )?;
        let mut columns = Vec::new();
        for row in rows {
            let base: pg_sys::Oid = row.get(3)?.unwrap_or(pg_sys::InvalidOid);
            let typtype: String = row.get(4)?.unwrap_or_default();
            columns.push(ColumnInfo {
                name: row.get(1)?.unwrap_or_default(),
                type_name: row.get(2)?.unwrap_or_default(),
                kind: kind_of(base, &typtype),
            });
        }
        Ok(RelationInfo {
            display,
            qualified,
            columns,
        })
    })
}

fn kind_of(base: pg_sys::Oid, typtype: &str) -> Kind {
    use pg_sys::BuiltinOid::*;
    if typtype == "e" {
        return Kind::Categorical;
    }
    match pg_sys::BuiltinOid::from_u32(base.to_u32()) {
        Ok(INT2OID | INT4OID | INT8OID | FLOAT4OID | FLOAT8OID | NUMERICOID) => Kind::Numeric,
        Ok(BOOLOID) => Kind::Boolean,
        Ok(TEXTOID | VARCHAROID | BPCHAROID | NAMEOID) => Kind::Categorical,
        _ => Kind::Unsupported,
    }
}
