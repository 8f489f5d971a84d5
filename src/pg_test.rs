//! Hooks `cargo pgrx test` looks for at the crate root.

pub fn setup(_options: Vec<&str>) {}

#[must_use]
pub fn postgresql_conf_options() -> Vec<&'static str> {
    vec![]
}
