//! Progress of long calls: a NOTICE at most every `pg_persona.progress_interval`
//! seconds, so a person in psql knows a large training or backfill is working.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use pgrx::prelude::*;

use crate::config;

/// Says what a long call is doing, at most once per interval.
pub struct Progress {
    what: &'static str,
    started: Instant,
    last: Instant,
    every: Duration,
    reported: bool,
}

impl Progress {
    /// `what` prefixes every NOTICE (the SQL function that reports).
    pub fn new(what: &'static str) -> Self {
        let now = Instant::now();
        Progress {
            what,
            started: now,
            last: now,
            every: Duration::from_secs(config::PROGRESS_INTERVAL.get().max(0) as u64),
            reported: false,
        }
    }

    /// Reports `message()` if the interval has passed since the last report.
    pub fn tick(&mut self, message: impl FnOnce() -> String) {
        if self.last.elapsed() >= self.every {
            self.last = Instant::now();
            self.reported = true;
            notice!(
                "{}: {} ({:.1} s)",
                self.what,
                message(),
                self.started.elapsed().as_secs_f64()
            );
        }
    }

    /// Reports `message()` if anything was reported before: the end of a call that was
    /// long enough to report progress.
    pub fn finish(&self, message: impl FnOnce() -> String) {
        if self.reported {
            notice!(
                "{}: {} ({:.1} s)",
                self.what,
                message(),
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// The backfill running in this backend, counted row by row by
/// `persona.backfill_progress()`, which the backfill's query calls for each source row.
struct Backfill {
    profile: String,
    estimate: i64,
    rows: u64,
    progress: Progress,
}

thread_local! {
    static BACKFILL: RefCell<Option<Backfill>> = const { RefCell::new(None) };
}

/// Runs `f`, a backfill of `profile` from a source of about `estimate` rows, reporting
/// the rows it has read as it goes.
pub fn backfill<T, E>(
    what: &'static str,
    profile: &str,
    estimate: i64,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    /// Ends the backfill's reporting however `f` ends (an error unwinds through it).
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            BACKFILL.with(|b| b.borrow_mut().take());
        }
    }
    BACKFILL.with(|b| {
        *b.borrow_mut() = Some(Backfill {
            profile: profile.to_string(),
            estimate,
            rows: 0,
            progress: Progress::new(what),
        })
    });
    let done = Done;
    let result = f();
    BACKFILL.with(|b| {
        if let (Some(b), Ok(_)) = (b.borrow().as_ref(), &result) {
            b.progress
                .finish(|| format!("backfilled {} from {} source rows", b.profile, b.rows));
        }
    });
    drop(done);
    result
}

/// One source row read by the backfill in progress, if any.
fn backfill_row() {
    BACKFILL.with(|b| {
        if let Some(b) = b.borrow_mut().as_mut() {
            b.rows += 1;
            if b.rows % 1024 == 0 {
                let (rows, estimate, profile) = (b.rows, b.estimate, &b.profile);
                b.progress.tick(|| {
                    if estimate > 0 {
                        format!(
                            "backfilling {profile}: {rows} of about {estimate} source rows read"
                        )
                    } else {
                        format!("backfilling {profile}: {rows} source rows read")
                    }
                });
            }
        }
    });
}

/// Called by the backfill query of profile_define and profile_rebuild for each source
/// row; always true. Not for use elsewhere.
#[pg_extern(sql = r#"
CREATE FUNCTION persona.backfill_progress() RETURNS boolean
VOLATILE PARALLEL UNSAFE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
COMMENT ON FUNCTION persona.backfill_progress() IS
    'Internal to profile_define and profile_rebuild: counts the rows their backfill reads.';
"#, requires = ["bootstrap"])]
fn backfill_progress() -> bool {
    backfill_row();
    true
}
