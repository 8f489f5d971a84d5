//! Settings (GUCs) a DBA or a session can change.

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};

/// `pg_persona.max_rows`: the default of `options.max_rows`; 0 means no limit.
pub static MAX_ROWS: GucSetting<i32> = GucSetting::<i32>::new(0);

/// `pg_persona.progress_interval`: seconds between the progress NOTICEs of long calls.
pub static PROGRESS_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(5);

/// `pg_persona.threads`: the default of `options.threads` for gbdt training.
pub static THREADS: GucSetting<i32> = GucSetting::<i32>::new(1);

pub fn register() {
    GucRegistry::define_int_guc(
        c"pg_persona.threads",
        c"Threads a gbdt profile_train call may use (the default of options.threads).",
        c"Training with LightGBM can use several cores; a DBA decides how many one call \
          may take from a shared server, for example with ALTER ROLE ... SET.",
        &THREADS,
        1,
        1024,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_persona.progress_interval",
        c"Seconds between the progress NOTICEs of profile_train and of profile backfills.",
        c"0 reports at every step (a batch of rows read, an optimizer iteration).",
        &PROGRESS_INTERVAL,
        0,
        86_400,
        GucContext::Userset,
        GucFlags::UNIT_S,
    );
    GucRegistry::define_int_guc(
        c"pg_persona.max_rows",
        c"Largest number of labelled rows profile_train reads (0: no limit).",
        c"Larger relations are sampled reproducibly: the rows with the smallest seeded hash \
          of their content. options.max_rows overrides it for one call.",
        &MAX_ROWS,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::default(),
    );
}
