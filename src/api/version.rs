//! `profile_version()`: which pg_persona the server has loaded.

use pgrx::prelude::*;

/// The extension's version and the git revision it was built from, e.g.
/// `0.1.0 (git 1a2b3c4d5e6f)`. Stable: the loaded library can change between
/// statements only through an upgrade.
#[pg_extern(stable, parallel_safe)]
fn profile_version() -> String {
    format!(
        "{} (git {})",
        env!("CARGO_PKG_VERSION"),
        env!("PG_PERSONA_GIT_REVISION")
    )
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn version_is_the_crate_version_and_a_revision() {
        let version = Spi::get_one::<String>("SELECT profile_version()")
            .unwrap()
            .unwrap();
        let expected_prefix = format!("{} (git ", env!("CARGO_PKG_VERSION"));
        assert!(version.starts_with(&expected_prefix), "{version}");
        assert!(version.ends_with(')'), "{version}");
        assert!(version.len() > expected_prefix.len() + 1, "{version}");
    }

    #[pg_test]
    fn version_matches_the_installed_extension() {
        let installed = Spi::get_one::<String>(
            "SELECT extversion FROM pg_extension WHERE extname = 'pg_persona'",
        )
        .unwrap()
        .unwrap();
        assert_eq!(installed, env!("CARGO_PKG_VERSION"));
    }
}
