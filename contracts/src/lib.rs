//! API contracts, with no I/O: OpenAPI 3.0, 3.1 and Swagger 2.0 documents
//! read with the position of every problem and their `$ref`s resolved
//! ([`document`]), the operations they offer ([`operations`]), path
//! templates as traffic names them ([`path`]), the breaking-change diff
//! between two versions ([`diff`]) and its reports ([`report`]); the
//! operations of AsyncAPI, GraphQL and protobuf definitions ([`other`]).
//!
//! Files a document points at are read through a [`document::Fetch`] the
//! caller gives, which decides what may be read.

pub mod diff;
pub mod document;
pub mod operations;
pub mod other;
pub mod path;
pub mod report;

pub use diff::{Change, Level, diff};
pub use document::{Document, Fetch, Format, NoFetch, ReadError};
pub use operations::{Operation, operations};
