//! The Meridian server: everything with I/O around the pure catalog and
//! collector crates, in rooms that follow the data path (ARCHITECTURE.md
//! has the map and the rules between them):
//!
//! - [`traffic`]: the collector pipeline drained into the store and the
//!   live graph; roll-ups and retention;
//! - [`catalog`]: the catalog loaded from its locations, persisted, watched,
//!   and served from an in-memory index swapped atomically on reload;
//! - [`slos`]: SLOs evaluated every minute from the stored traffic: error
//!   budgets, burn rates, alerts;
//! - [`scorecards`]: scorecards judged on every entity, with no I/O (the
//!   core reads their sources and runs the pass);
//! - [`access`]: who may do what (subjects, actions, the policy's one
//!   check), with no I/O;
//! - [`deploys`]: deploys reported from outside the traces (GitHub);
//! - [`store`]: sqlx storage, SQLite by default, PostgreSQL for scale, one
//!   schema and one code path for both;
//! - [`core`]: the application core, where catalog and observed graph meet;
//!   plain data and one error enum for every adapter;
//! - [`http`]: the adapters on the web port: REST API, the web app's port,
//!   auth, self-telemetry;
//! - [`rfc3339`]: times in answers, one format for every room;
//! - [`cli`] and [`serve`]: flags, defaults and validation; binding the
//!   listeners and running it all until shutdown.

pub mod access;
pub mod catalog;
pub mod cli;
pub mod core;
pub mod deploys;
pub mod http;
pub mod rfc3339;
pub mod scorecards;
pub mod serve;
pub mod slos;
pub mod store;
pub mod traffic;

/// Now, in unix seconds: the one clock every room reads (0 on a clock set
/// before 1970).
pub fn unix_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Log lines: to stderr (stdout is for what a command answers), coloured
/// only when stderr is a terminal (a file or a pipe gets plain text).
pub fn log_layer<S>() -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use std::io::IsTerminal;
    tracing_subscriber::fmt::layer().with_target(false).with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal())
}

// Catalog reloads allocate and free millions of small strings; with glibc's
// allocator half their time went to malloc/free bookkeeping. Declared in the
// library so the binary, the benchmarks and the tests all use the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tunes memory for a server whose use comes in bursts (a catalog reload
/// builds a new catalog beside the old one, then frees the old). Called
/// first in `main`.
///
/// - Transparent huge pages off for the process (`PR_SET_THP_DISABLE`).
///   mimalloc asks for huge pages on its arenas (`MADV_HUGEPAGE`); touching
///   one byte of a 2 MiB huge page makes all of it resident, so the half-used
///   pages of a reload's peak counted in full. A process-wide switch, not
///   mimalloc's own option, because that one is read when the first arena is
///   mapped, which happens before `main`.
/// - mimalloc's purge delay 50 ms instead of 10: a reload's frees go back
///   to the OS soon, yet pages emptied between two OTLP requests stay
///   while a graph read holds the core. Shorter delays returned the
///   receivers' buffers during every read and faulted them in again after
///   it (ingest beside reads fell by a quarter); 0 did so on every request.
///   The cost is a few MiB more at a large catalog's reload peak.
///   `MIMALLOC_PURGE_DELAY` in the environment wins.
///
/// BENCHMARKS.md has what each saves, and what it costs OTLP ingest.
pub fn tune_allocator() {
    // SAFETY: prctl with integer arguments touches no memory of ours. On a
    // kernel without the option (before 3.15) it fails and nothing changes.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        set_purge_delay(PURGE_DELAY_MS);
    }
}

/// Runs `work` with mimalloc's purge delay at 0, so what it frees goes back
/// to the OS at once; the configured delay is restored after. For the
/// catalog's thread: the delay kept a reload's frees resident while the
/// next part of the reload allocated more (BENCHMARKS.md has what it
/// cost). The option is process-wide, so ingest beside a reload purges at
/// once too, for as long as the reload runs.
pub fn purging_at_once<T>(work: impl FnOnce() -> T) -> T {
    /// Ends the section even if `work` panics.
    struct Section;
    impl Drop for Section {
        fn drop(&mut self) {
            let mut purge = purge_state();
            purge.sections -= 1;
            if purge.sections == 0 {
                // SAFETY: sets a plain integer option.
                unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, purge.configured) };
            }
        }
    }
    {
        let mut purge = purge_state();
        if purge.sections == 0 {
            // SAFETY: reads and sets a plain integer option.
            purge.configured = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
            unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
        }
        purge.sections += 1;
    }
    let _section = Section;
    work()
}

/// The purge-at-once sections running and, while any is, the delay to
/// restore (sections may overlap: two catalogs in one process, as in tests).
struct PurgeState {
    sections: usize,
    configured: std::ffi::c_long,
}

static PURGE_STATE: std::sync::Mutex<PurgeState> = std::sync::Mutex::new(PurgeState { sections: 0, configured: 0 });

fn purge_state() -> std::sync::MutexGuard<'static, PurgeState> {
    PURGE_STATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets mimalloc's purge delay, or the one a running section restores.
fn set_purge_delay(ms: std::ffi::c_long) {
    let mut purge = purge_state();
    if purge.sections > 0 {
        purge.configured = ms;
    } else {
        // SAFETY: sets a plain integer option; mimalloc reads it on each purge.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, ms) }
    }
}

/// mimalloc's purge delay as configured (not the 0 of a running section).
#[cfg(test)]
fn purge_delay() -> std::ffi::c_long {
    let purge = purge_state();
    // SAFETY: reads a plain integer option.
    if purge.sections > 0 { purge.configured } else { unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) } }
}

/// `mi_option_purge_delay` in mimalloc v2's `mimalloc.h` (the Rust bindings
/// name no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const PURGE_DELAY_MS: std::ffi::c_long = 50;

/// Runs `work` every `interval`, the first time at once, until `shutdown`;
/// a tick missed while `work` runs is not made up.
pub async fn every<Work, Done>(interval: std::time::Duration, shutdown: tokio_util::sync::CancellationToken, mut work: Work)
where
    Work: FnMut() -> Done,
    Done: std::future::Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = shutdown.cancelled() => return,
        }
        work().await;
    }
}

/// Runs `work` on Tokio's blocking pool, then gives what that thread freed
/// back to the OS at once. mimalloc returns freed pages after its purge
/// delay, but only on a thread that calls it again, and a pool thread sleeps
/// after a reload's burst: its frees stayed resident.
pub async fn run_blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || {
        let done = work();
        // SAFETY: collects the calling thread's own heap; no pointers involved.
        unsafe { libmimalloc_sys::mi_collect(true) };
        done
    })
    .await
}

#[cfg(test)]
mod tests {
    /// The two tests below set the configured delay and read it.
    static CONFIGURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn tuning_sets_the_purge_delay_and_turns_huge_pages_off() {
        let _alone = CONFIGURING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let purge_delay = super::purge_delay;
        let defaults = std::env::var_os("MIMALLOC_PURGE_DELAY").is_none();
        if defaults {
            assert_eq!(purge_delay(), 10, "mimalloc's documented default purge delay: the option number is right");
        }
        super::tune_allocator();
        if defaults {
            assert_eq!(purge_delay(), super::PURGE_DELAY_MS);
        }
        // SAFETY: reads the flag; no memory involved.
        #[cfg(target_os = "linux")]
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }, 1);
    }

    #[test]
    fn purging_at_once_holds_the_delay_at_zero_and_restores_it_after_overlapping_sections() {
        let _alone = CONFIGURING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // SAFETY: reads a plain integer option.
        let option = || unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        let configured = super::purge_delay();
        super::purging_at_once(|| {
            assert_eq!(option(), 0);
            super::purging_at_once(|| assert_eq!(option(), 0));
            assert_eq!((option(), super::purge_delay()), (0, configured), "still in the outer section");
        });
        let panicked = std::panic::catch_unwind(|| super::purging_at_once(|| panic!("a job that fails")));
        assert!(panicked.is_err());
        assert_eq!(super::purge_delay(), configured, "restored after a panic too");
    }
}
