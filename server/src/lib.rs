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
