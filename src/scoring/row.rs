//! A row's feature values, from any composite value or from a jsonb object, matched to
//! the model's features by name.

use std::ffi::{c_char, CStr};
use std::num::NonZeroUsize;
use std::rc::Rc;

use pgrx::prelude::*;
use pgrx::{AnyElement, JsonB};
use serde_json::Value as Json;

use super::cache::LoadedModel;
use super::ScoringError;
use crate::ml::preprocess::Value;

/// A feature value taken out of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValue {
    Null,
    Number(f64),
    Bool(bool),
    Text(String),
}

impl OwnedValue {
    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Null => Value::Null,
            OwnedValue::Number(x) => Value::Number(*x),
            OwnedValue::Bool(b) => Value::Bool(*b),
            OwnedValue::Text(s) => Value::Text(s),
        }
    }
}

/// How to read one attribute; decided once per row type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Bool,
    Text,
    BpChar,
    Name,
    Enum,
    Unsupported,
}

/// Where each of a model's features sits in one row type, and how to read it.
#[derive(Debug)]
pub struct RowLayout {
    attributes: Vec<(NonZeroUsize, Reader, pg_sys::Oid)>,
}

fn reader_for(type_oid: pg_sys::Oid) -> Reader {
    use pg_sys::BuiltinOid::*;
    // SAFETY: catalog lookups by OID; both error out cleanly for an unknown type.
    let base = unsafe { pg_sys::getBaseType(type_oid) };
    if unsafe { pg_sys::type_is_enum(base) } {
        return Reader::Enum;
    }
    match pg_sys::BuiltinOid::from_u32(base.to_u32()) {
        Ok(INT2OID) => Reader::Int2,
        Ok(INT4OID) => Reader::Int4,
        Ok(INT8OID) => Reader::Int8,
        Ok(FLOAT4OID) => Reader::Float4,
        Ok(FLOAT8OID) => Reader::Float8,
        Ok(NUMERICOID) => Reader::Numeric,
        Ok(BOOLOID) => Reader::Bool,
        Ok(TEXTOID | VARCHAROID) => Reader::Text,
        Ok(BPCHAROID) => Reader::BpChar,
        Ok(NAMEOID) => Reader::Name,
        _ => Reader::Unsupported,
    }
}

fn type_name(type_oid: pg_sys::Oid) -> String {
    // SAFETY: format_type_be returns a palloc'd NUL-terminated string.
    unsafe { CStr::from_ptr(pg_sys::format_type_be(type_oid)) }
        .to_string_lossy()
        .into_owned()
}

/// Reads one non-NULL attribute. Text is read as `::text` would (char(n) without its
/// trailing blanks), numbers as `::float8`, so scoring sees what training read.
unsafe fn read(datum: pg_sys::Datum, reader: Reader) -> OwnedValue {
    match reader {
        Reader::Int2 => OwnedValue::Number(f64::from(datum.value() as i16)),
        Reader::Int4 => OwnedValue::Number(f64::from(datum.value() as i32)),
        Reader::Int8 => OwnedValue::Number(datum.value() as i64 as f64),
        Reader::Float4 => OwnedValue::Number(f64::from(f32::from_bits(datum.value() as u32))),
        Reader::Float8 => OwnedValue::Number(f64::from_bits(datum.value() as u64)),
        Reader::Numeric => OwnedValue::Number(
            pgrx::direct_function_call::<f64>(pg_sys::numeric_float8, &[Some(datum)])
                .unwrap_or(f64::NAN),
        ),
        Reader::Bool => OwnedValue::Bool(datum.value() != 0),
        Reader::Text => OwnedValue::Text(String::from_datum(datum, false).unwrap_or_default()),
        Reader::BpChar => OwnedValue::Text(
            String::from_datum(datum, false)
                .unwrap_or_default()
                .trim_end_matches(' ')
                .to_string(),
        ),
        Reader::Name => OwnedValue::Text(
            CStr::from_ptr(datum.cast_mut_ptr::<c_char>())
                .to_string_lossy()
                .into_owned(),
        ),
        Reader::Enum => OwnedValue::Text(
            pgrx::direct_function_call::<&CStr>(pg_sys::enum_out, &[Some(datum)])
                .map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        Reader::Unsupported => OwnedValue::Null,
    }
}

/// The model's feature values from a composite value (a table row, a ROW(...) with
/// named fields, a view's row...). Extra attributes are ignored.
pub fn composite_values(
    m: &LoadedModel,
    element: &AnyElement,
) -> Result<Vec<OwnedValue>, ScoringError> {
    // SAFETY: type_is_rowtype only reads the type cache.
    if !unsafe { pg_sys::type_is_rowtype(element.oid()) } {
        return Err(ScoringError::NotARow(type_name(element.oid())));
    }
    // SAFETY: a value of a row type is a (possibly toasted) HeapTupleHeader datum. The
    // tuple descriptor is reference-counted by the resource owner, so an error between
    // lookup and release cannot leak it; it is released on every normal path below.
    unsafe {
        let header =
            pg_sys::pg_detoast_datum(element.datum().cast_mut_ptr()) as pg_sys::HeapTupleHeader;
        let typ = pgrx::heap_tuple_header_get_type_id(header);
        let typmod = pgrx::heap_tuple_header_get_typmod(header);
        let tupdesc = pg_sys::lookup_rowtype_tupdesc(typ, typmod);
        let layout = match layout(m, tupdesc, typ, typmod) {
            Ok(layout) => layout,
            Err(e) => {
                pg_sys::DecrTupleDescRefCount(tupdesc);
                return Err(e);
            }
        };
        let mut tuple: pg_sys::HeapTupleData = std::mem::zeroed();
        tuple.t_len = pgrx::heap_tuple_header_get_datum_length(header) as u32;
        tuple.t_data = header;
        let mut values = Vec::with_capacity(layout.attributes.len());
        let mut unsupported = None;
        for (feature, &(attno, reader, type_oid)) in layout.attributes.iter().enumerate() {
            values.push(match pgrx::heap_getattr_raw(&mut tuple, attno, tupdesc) {
                None => OwnedValue::Null,
                Some(_) if reader == Reader::Unsupported => {
                    unsupported.get_or_insert((feature, type_oid));
                    OwnedValue::Null
                }
                Some(datum) => read(datum, reader),
            });
        }
        pg_sys::DecrTupleDescRefCount(tupdesc);
        if let Some((feature, type_oid)) = unsupported {
            return Err(ScoringError::UnsupportedType {
                model: m.label.clone(),
                feature: m.model.features[feature].name.clone(),
                type_name: type_name(type_oid),
            });
        }
        Ok(values)
    }
}

/// Finds the model's features among a row type's attributes, once per row type.
unsafe fn layout(
    m: &LoadedModel,
    tupdesc: pg_sys::TupleDesc,
    typ: pg_sys::Oid,
    typmod: i32,
) -> Result<Rc<RowLayout>, ScoringError> {
    if let Some(l) = m.layouts.borrow().get(&(typ, typmod)) {
        return Ok(l.clone());
    }
    let natts = (*tupdesc).natts as usize;
    let attrs = (*tupdesc).attrs.as_slice(natts);
    let mut attributes = Vec::with_capacity(m.model.features.len());
    for feature in &m.model.features {
        let found = attrs.iter().enumerate().find(|(_, a)| {
            !a.attisdropped
                && CStr::from_ptr(a.attname.data.as_ptr()).to_bytes() == feature.name.as_bytes()
        });
        let Some((i, attr)) = found else {
            return Err(ScoringError::MissingFeature {
                model: m.label.clone(),
                feature: feature.name.clone(),
            });
        };
        attributes.push((
            NonZeroUsize::new(i + 1).expect("attribute numbers start at 1"),
            reader_for(attr.atttypid),
            attr.atttypid,
        ));
    }
    let l = Rc::new(RowLayout { attributes });
    m.layouts.borrow_mut().insert((typ, typmod), l.clone());
    Ok(l)
}

/// The model's feature values from a jsonb object's keys. Extra keys are ignored.
pub fn jsonb_values(m: &LoadedModel, features: &JsonB) -> Result<Vec<OwnedValue>, ScoringError> {
    let Json::Object(object) = &features.0 else {
        return Err(ScoringError::NotARow(format!(
            "jsonb {}",
            match &features.0 {
                Json::Array(_) => "array",
                Json::String(_) => "string",
                Json::Number(_) => "number",
                Json::Bool(_) => "boolean",
                _ => "null",
            }
        )));
    };
    m.model
        .features
        .iter()
        .map(|f| match object.get(&f.name) {
            None => Err(ScoringError::MissingFeature {
                model: m.label.clone(),
                feature: f.name.clone(),
            }),
            Some(Json::Null) => Ok(OwnedValue::Null),
            Some(Json::Number(n)) => Ok(OwnedValue::Number(n.as_f64().unwrap_or(f64::NAN))),
            Some(Json::Bool(b)) => Ok(OwnedValue::Bool(*b)),
            Some(Json::String(s)) => Ok(OwnedValue::Text(s.clone())),
            Some(other) => Err(ScoringError::UnsupportedType {
                model: m.label.clone(),
                feature: f.name.clone(),
                type_name: if other.is_array() {
                    "jsonb array"
                } else {
                    "jsonb object"
                }
                .into(),
            }),
        })
        .collect()
}
