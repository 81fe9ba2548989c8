//! The Meridian server: everything with I/O around the pure catalog and
//! collector crates.
//!
//! - [`cli`]: `meridian serve` and `meridian validate`, flags and `MERIDIAN_*` env;
//! - [`catalog_service`]: the catalog loaded from its locations, persisted,
//!   and served from an in-memory index swapped atomically on reload;
//! - [`store`]: sqlx storage, SQLite by default, PostgreSQL for scale, one
//!   schema and one code path for both;
//! - [`ingest`]: wires the OTLP receivers to the collector pipeline and
//!   flushes its buckets into the store;
//! - [`live`]: the last hour of the observed graph in memory (petgraph),
//!   behind the server-sent event stream;
//! - [`query`]: the query layer, the only place where catalog and observed
//!   graph meet;
//! - [`layout`]: positions graph nodes for the UI (petgraph);
//! - [`api`]: the REST API (Backstage-compatible catalog reads, graph);
//! - [`web`]: the Leptos app, served with the port it needs;
//! - [`watch`]: reloads the catalog when its files change (and periodically
//!   when it reads URLs);
//! - [`url_reader`]: reads catalog URLs for hosts on the allow-list;
//! - [`self_telemetry`]: Meridian's own request spans, exported over OTLP
//!   when asked (`--self-telemetry`);
//! - [`serve`]: binds the listeners and runs it all until shutdown.

pub mod api;
pub mod catalog_service;
pub mod cli;
pub mod demo_fleet;
pub mod ingest;
pub mod layout;
pub mod live;
pub mod query;
pub mod self_telemetry;
pub mod serve;
pub mod store;
pub mod url_reader;
pub mod watch;
pub mod web;
pub mod window;

// Catalog reloads allocate and free millions of small strings; with glibc's
// allocator half their time went to malloc/free bookkeeping. Declared in the
// library so the binary, the benchmarks and the tests all use the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Makes mimalloc hand freed pages back to the OS at once instead of after
/// 10 ms. A reload frees tens of MB on a blocking-pool thread that then
/// sleeps, and a sleeping thread never runs its delayed purges: they stayed
/// resident until that thread allocated again (50,000 entities: 215 → 199
/// MiB peak after edits). Costs nothing measurable on OTLP ingest (BENCHMARKS.md).
pub fn tune_allocator() {
    // SAFETY: sets a plain integer option; mimalloc reads it on each purge.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

/// `mi_option_purge_delay` in mimalloc v2's `mimalloc.h` (the Rust bindings
/// name no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[cfg(test)]
mod tests {
    #[test]
    fn the_allocator_option_set_is_the_purge_delay() {
        // SAFETY: reads a plain integer option.
        let read = || unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(read(), 10, "mimalloc's documented default purge delay: the option number is right");
        }
        super::tune_allocator();
        assert_eq!(read(), 0);
    }
}
