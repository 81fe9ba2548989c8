//! The catalog: Meridian's entity model, with no I/O beyond reading files
//! (URLs are read through a [`Reader`] the caller provides).
//!
//! Teams describe their software with Backstage descriptor YAML
//! (`catalog-info.yaml`). This crate turns that text into [`Entity`] values in
//! Backstage's JSON shape, reports every problem as a [`Diagnostic`] that names
//! `file:line:column`, resolves [`EntityRef`]s with Backstage's defaults and
//! derives the relations between entities.
//!
//! Flow: [`parse::parse_str`] (text → located documents → entities + problems)
//! → [`relations::derive_relations`] (a whole set of entities gets its
//! relations) ; [`load::load_paths`] does both for files and folders.
//!
//! It never reads traces or the database: the catalog and the observed graph
//! meet only in the server's query layer.

pub mod diagnostic;
pub mod emit;
pub mod entity;
pub mod entity_ref;
mod hash;
pub mod index;
pub mod load;
pub mod parse;
mod positions;
pub mod relations;
pub mod scorecard;
pub mod source;
pub mod substitute;
pub mod synthetic;
pub mod validate;
pub mod yaml;

pub use diagnostic::{Diagnostic, Location, Severity};
pub use entity::{Entity, Metadata, Relation, StoredEntityDecoder};
pub use entity_ref::{EntityRef, RefError};
pub use hash::stable_hash;
pub use load::{LoadedCatalog, load_paths};
pub use parse::{Kinds, ParsedEntity, ParsedFile, parse_str, parse_str_with};
pub use relations::derive_relations;
pub use source::{MAX_TEXT_BYTES, NoUrls, PathRoots, Reader, Source, SourceError, UrlError, read_file};
