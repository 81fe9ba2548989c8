//! The Meridian server: everything with I/O around the pure catalog and
//! collector crates, in rooms that follow the data path (ARCHITECTURE.md
//! has the map and the rules between them):
//!
//! - [`traffic`]: the collector pipeline drained into the store and the
//!   live graph; roll-ups and retention;
//! - [`catalog`]: the catalog loaded from its locations, persisted, watched,
//!   and served from an in-memory index swapped atomically on reload;
//! - [`store`]: sqlx storage, SQLite by default, PostgreSQL for scale, one
//!   schema and one code path for both;
//! - [`core`]: the application core, where catalog and observed graph meet;
//!   plain data and one error enum for every adapter;
//! - [`http`]: the adapters on the web port: REST API, the web app's port,
//!   auth, self-telemetry;
//! - [`cli`] and [`serve`]: flags, defaults and validation; binding the
//!   listeners and running it all until shutdown.

pub mod catalog;
pub mod cli;
pub mod core;
pub mod http;
pub mod serve;
pub mod store;
pub mod traffic;

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
/// - mimalloc's purge delay 0: freed pages go back to the OS at once instead
///   of after a delay. A reload frees a lot on a blocking-pool thread that
///   then sleeps, and a sleeping thread never runs its delayed purges: they
///   stayed resident until that thread allocated again.
///
/// BENCHMARKS.md has what each saves, and that OTLP ingest is no slower.
pub fn tune_allocator() {
    // SAFETY: prctl with integer arguments touches no memory of ours. On a
    // kernel without the option (before 3.15) it fails and nothing changes.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // SAFETY: sets a plain integer option; mimalloc reads it on each purge.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

/// `mi_option_purge_delay` in mimalloc v2's `mimalloc.h` (the Rust bindings
/// name no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[cfg(test)]
mod tests {
    #[test]
    fn tuning_sets_the_purge_delay_and_turns_huge_pages_off() {
        // SAFETY: reads a plain integer option.
        let purge_delay = || unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay(), 10, "mimalloc's documented default purge delay: the option number is right");
        }
        super::tune_allocator();
        assert_eq!(purge_delay(), 0);
        // SAFETY: reads the flag; no memory involved.
        #[cfg(target_os = "linux")]
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }, 1);
    }
}
