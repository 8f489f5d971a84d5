//! Real-time profiles: `profile_define`, `profile_rebuild`, `profile_verify` and
//! `profile_undefine` (the work is in `crate::profile`).

use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

use super::error::OrRaise;
use crate::profile::{self, Definition};

/// Creates the profile table `profile` over `source`, its `_now` view and `_as_of`
/// function, backfills it and installs the triggers that keep it exact. See the README.
// Declared by hand to return regclass (the profile table's OID, as Postgres shows it).
#[pg_extern(sql = r#"
CREATE FUNCTION profile_define(
    profile text, source regclass, key text, "time" text, features jsonb
) RETURNS regclass
VOLATILE STRICT LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn profile_define(
    profile: &str,
    source: PgRelation,
    key: &str,
    time: &str,
    features: JsonB,
) -> pg_sys::Oid {
    let definition = Definition {
        profile: profile.to_string(),
        source: source.oid(),
        key: key.to_string(),
        time: time.to_string(),
        features: features.0,
    };
    drop(source);
    profile::define(definition).or_raise()
}

/// Recomputes the whole profile from its source; returns the rows written.
#[pg_extern(volatile)]
fn profile_rebuild(profile: &str) -> i64 {
    profile::rebuild(profile).or_raise()
}

/// The number of keys whose maintained profile differs from a recomputation (0: exact).
#[pg_extern(stable)]
fn profile_verify(profile: &str) -> i64 {
    profile::verify(profile).or_raise()
}

/// Removes the triggers and every object profile_define created.
#[pg_extern(volatile)]
fn profile_undefine(profile: &str) {
    profile::undefine(profile).or_raise()
}
