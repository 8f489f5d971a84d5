//! Helpers for the `#[pg_test]`s of the SQL layer.

use pgrx::prelude::*;

/// A Postgres error as a test sees it.
#[derive(Debug)]
pub struct CaughtSqlError {
    pub sqlstate: String,
    pub message: String,
    pub hint: Option<String>,
}

/// Runs `statement` in a subtransaction and returns the error it raised, or `None` if it
/// succeeded. PL/pgSQL's exception block rolls the subtransaction back properly, so the
/// test's transaction stays usable afterwards.
pub fn error_of(statement: &str) -> Option<CaughtSqlError> {
    Spi::run(
        "CREATE OR REPLACE FUNCTION pg_temp.error_of(statement text,
             OUT code text, OUT msg text, OUT hint_text text)
         LANGUAGE plpgsql AS $$
         BEGIN
             EXECUTE statement;
         EXCEPTION WHEN OTHERS THEN
             GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
                                     msg = MESSAGE_TEXT,
                                     hint_text = PG_EXCEPTION_HINT;
         END $$",
    )
    .unwrap();
    let (sqlstate, message, hint) = Spi::get_three_with_args::<String, String, String>(
        "SELECT code, msg, nullif(hint_text, '') FROM pg_temp.error_of($1)",
        &[statement.into()],
    )
    .unwrap();
    Some(CaughtSqlError {
        sqlstate: sqlstate?,
        message: message.unwrap_or_default(),
        hint,
    })
}
