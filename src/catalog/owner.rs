//! Writing the catalog as the extension's owner, the way a SECURITY DEFINER function
//! would, but without a callable entry point: only this crate's code runs inside.

use pgrx::prelude::*;

/// Runs `f` with the current user switched to the owner of the pg_persona extension.
/// On an error Postgres restores the user itself when it aborts the (sub)transaction.
pub fn as_extension_owner<R>(f: impl FnOnce() -> R) -> R {
    let owner = Spi::get_one::<pg_sys::Oid>(
        "SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'pg_persona'",
    )
    .expect("pg_extension is readable")
    .expect("pg_persona is installed");
    let mut user = pg_sys::InvalidOid;
    let mut context = 0;
    // SAFETY: plain reads and writes of the backend's current user, exactly as
    // fmgr_security_definer does; `SECURITY_LOCAL_USERID_CHANGE` marks the switch as
    // local so it is undone on abort.
    unsafe {
        pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
        pg_sys::SetUserIdAndSecContext(
            owner,
            context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32,
        );
    }
    let result = f();
    unsafe { pg_sys::SetUserIdAndSecContext(user, context) };
    result
}
