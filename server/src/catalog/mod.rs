//! The catalog as the server holds it:
//!
//! - [`service`]: locations (the `--catalog` paths and those registered
//!   through the API) → `catalog::load` → changed rows persisted → a new
//!   in-memory index swapped in atomically, so readers never wait for a
//!   reload nor see half of one; registration of YAML and locations;
//! - [`watch`]: reloads when watched files change, and periodically while
//!   URLs are in use;
//! - [`notices`]: replicas on one PostgreSQL tell each other what they
//!   changed (`LISTEN`/`NOTIFY`), and follow each other's changes;
//! - [`url_reader`]: reads URLs, only for hosts on the allow-list;
//! - [`definitions`]: the files an API definition's `$ref`s name, inside
//!   the same roots and hosts.
//!
//! This room never reads the observed graph; the two meet in [`crate::core`].
//! It writes the store's catalog tables and nothing else.

pub mod definitions;
pub mod notices;
pub mod service;
pub mod url_reader;
pub mod watch;
pub mod worker;

pub use service::{
    CatalogError, CatalogLocation, CatalogService, Cause, LocationRegistration, Registration, ReloadReport, catalog_folders,
};
pub use url_reader::{AllowList, CatalogReader};
