//! A row's feature values, from any composite value or from a jsonb object, matched to
//! the model's features by name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::num::NonZeroUsize;
use std::rc::Rc;

use pgrx::prelude::*;
use pgrx::{AnyElement, JsonB};
use serde_json::Value as Json;

use super::cache::LoadedModel;
use super::ScoringError;
use crate::ml::preprocess::Value;

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

/// A composite type as a row carries it: type OID and typmod (for anonymous records).
type RowType = (pg_sys::Oid, i32);

/// The layouts a call site has worked out, and the last one used (a query scores rows
/// of one type).
#[derive(Debug, Default)]
pub struct RowLayouts {
    layouts: HashMap<RowType, Rc<RowLayout>>,
    last: Option<(RowType, Rc<RowLayout>)>,
    /// The last input type found to be a row type.
    row_type: pg_sys::Oid,
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
/// trailing blanks), numbers as `::float8`, so scoring sees what training read. Text is
/// borrowed from the datum, which outlives the call.
unsafe fn read<'a>(datum: pg_sys::Datum, reader: Reader) -> Value<'a> {
    match reader {
        Reader::Int2 => Value::Number(f64::from(datum.value() as i16)),
        Reader::Int4 => Value::Number(f64::from(datum.value() as i32)),
        Reader::Int8 => Value::Number(datum.value() as i64 as f64),
        Reader::Float4 => Value::Number(f64::from(f32::from_bits(datum.value() as u32))),
        Reader::Float8 => Value::Number(f64::from_bits(datum.value() as u64)),
        Reader::Numeric => Value::Number(
            pgrx::direct_function_call::<f64>(pg_sys::numeric_float8, &[Some(datum)])
                .unwrap_or(f64::NAN),
        ),
        Reader::Bool => Value::Bool(datum.value() != 0),
        Reader::Text => Value::Text(<&str>::from_datum(datum, false).unwrap_or_default()),
        Reader::BpChar => Value::Text(
            <&str>::from_datum(datum, false)
                .unwrap_or_default()
                .trim_end_matches(' '),
        ),
        Reader::Name => Value::Text(
            CStr::from_ptr(datum.cast_mut_ptr::<c_char>())
                .to_str()
                .unwrap_or_default(),
        ),
        Reader::Enum => Value::Text(
            pgrx::direct_function_call::<&CStr>(pg_sys::enum_out, &[Some(datum)])
                .and_then(|c| c.to_str().ok())
                .unwrap_or_default(),
        ),
        Reader::Unsupported => Value::Null,
    }
}

/// Encodes the model's features from a composite value (a table row, a view's row, a
/// ROW(...) with named fields...) into `x`. Extra attributes are ignored. Nothing is
/// allocated once the row type has been seen.
pub fn encode_composite(
    m: &LoadedModel,
    rows: &RefCell<RowLayouts>,
    element: &AnyElement,
    x: &mut [f64],
) -> Result<(), ScoringError> {
    // SAFETY: type_is_rowtype only reads the type cache. Checked once per input type.
    if rows.borrow().row_type != element.oid() {
        if !unsafe { pg_sys::type_is_rowtype(element.oid()) } {
            return Err(ScoringError::NotARow(type_name(element.oid())));
        }
        rows.borrow_mut().row_type = element.oid();
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
        let result = layout(m, rows, tupdesc, typ, typmod).and_then(|layout| {
            let mut tuple: pg_sys::HeapTupleData = std::mem::zeroed();
            tuple.t_len = pgrx::heap_tuple_header_get_datum_length(header) as u32;
            tuple.t_data = header;
            for (k, &(attno, reader, type_oid)) in layout.attributes.iter().enumerate() {
                let value = match pgrx::heap_getattr_raw(&mut tuple, attno, tupdesc) {
                    None => Value::Null,
                    Some(_) if reader == Reader::Unsupported => {
                        return Err(ScoringError::UnsupportedType {
                            model: m.label.clone(),
                            feature: m.model.features[k].name.clone(),
                            type_name: type_name(type_oid),
                        })
                    }
                    Some(datum) => read(datum, reader),
                };
                m.encode_feature(k, value, x)?;
            }
            Ok(())
        });
        pg_sys::DecrTupleDescRefCount(tupdesc);
        result
    }
}

/// Finds the model's features among a row type's attributes, once per row type.
unsafe fn layout(
    m: &LoadedModel,
    rows: &RefCell<RowLayouts>,
    tupdesc: pg_sys::TupleDesc,
    typ: pg_sys::Oid,
    typmod: i32,
) -> Result<Rc<RowLayout>, ScoringError> {
    let mut rows = rows.borrow_mut();
    if let Some((key, l)) = &rows.last {
        if *key == (typ, typmod) {
            return Ok(l.clone());
        }
    }
    if let Some(l) = rows.layouts.get(&(typ, typmod)).cloned() {
        rows.last = Some(((typ, typmod), l.clone()));
        return Ok(l);
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
    rows.layouts.insert((typ, typmod), l.clone());
    rows.last = Some(((typ, typmod), l.clone()));
    Ok(l)
}

/// Encodes the model's features from a jsonb object's keys into `x`. Extra keys are
/// ignored.
pub fn encode_jsonb(m: &LoadedModel, features: &JsonB, x: &mut [f64]) -> Result<(), ScoringError> {
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
    for (k, f) in m.model.features.iter().enumerate() {
        let value = match object.get(&f.name) {
            None => {
                return Err(ScoringError::MissingFeature {
                    model: m.label.clone(),
                    feature: f.name.clone(),
                })
            }
            Some(Json::Null) => Value::Null,
            Some(Json::Number(n)) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Some(Json::Bool(b)) => Value::Bool(*b),
            Some(Json::String(s)) => Value::Text(s),
            Some(other) => {
                return Err(ScoringError::UnsupportedType {
                    model: m.label.clone(),
                    feature: f.name.clone(),
                    type_name: if other.is_array() {
                        "jsonb array"
                    } else {
                        "jsonb object"
                    }
                    .into(),
                })
            }
        };
        m.encode_feature(k, value, x)?;
    }
    Ok(())
}
