//! `src/ml/` is the learning code, kept free of Postgres so it can be read, tested and
//! reasoned about on its own. This test fails if any file there reaches for pgrx or for
//! another part of the crate that does.

use std::path::{Path, PathBuf};

/// Why a line of `src/ml/` breaks the rule, if it does.
fn impurity(line: &str) -> Option<&'static str> {
    let code = line.split("//").next().unwrap_or("");
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
        .collect();
    for word in words {
        let path: Vec<&str> = word.split("::").filter(|p| !p.is_empty()).collect();
        match path.as_slice() {
            [first, ..] if *first == "pgrx" || first.starts_with("pgrx_") || *first == "pg_sys" => {
                return Some("uses pgrx")
            }
            ["crate", second, ..] if *second != "ml" => {
                return Some("uses a part of the crate outside src/ml")
            }
            _ => {}
        }
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_file_under_src_ml_imports_pgrx() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ml");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() >= 2,
        "expected the learning code under {}",
        root.display()
    );

    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if let Some(why) = impurity(line) {
                offences.push(format!(
                    "{}:{}: {why}: {}",
                    file.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "src/ml must not depend on Postgres:\n{}",
        offences.join("\n")
    );
}

/// The parts of `src/profile/` that parse a definition and generate its SQL are plain
/// Rust too: they may use each other (`super::spec`), nothing that touches Postgres.
#[test]
fn profile_spec_and_sql_are_plain_rust() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/profile");
    let mut offences = Vec::new();
    for name in ["spec.rs", "sql.rs"] {
        let file = root.join(name);
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let why = impurity(line).or_else(|| {
                code.split("super::")
                    .skip(1)
                    .any(|rest| !rest.starts_with("spec::") && !rest.starts_with('*'))
                    .then_some("uses a part of src/profile that touches Postgres")
            });
            if let Some(why) = why {
                offences.push(format!(
                    "{}:{}: {why}: {}",
                    file.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "src/profile/spec.rs and sql.rs must not depend on Postgres:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_check_catches_every_way_of_reaching_pgrx() {
    for line in [
        "use pgrx::prelude::*;",
        "use pgrx_pg_sys::Datum;",
        "    let x = ::pgrx::pg_sys::palloc(8);",
        "extern crate pgrx;",
        "fn f(x: pg_sys::Oid) {}",
        "use crate::api::error::OrRaise;",
        "use crate::catalog;",
    ] {
        assert!(impurity(line).is_some(), "missed: {line}");
    }
    for line in [
        "use super::MlError;",
        "use crate::ml::metrics;",
        "// no pgrx here, just a comment",
        "fn parse_pg_sys_version() {} // names that merely contain the words",
    ] {
        assert!(impurity(line).is_none(), "false alarm: {line}");
    }
}
