//! The collector: OTLP in, service-graph edges with RED metrics out.
//!
//! Data path, one module per step:
//! - [`receiver`]: thin OTLP adapters (gRPC `TraceService/Export`, HTTP
//!   `POST /v1/traces`) that decode requests and hand them to the pipeline;
//! - [`otlp`]: OTLP protobuf types → compact [`engine::SpanRecord`]s
//!   (interned service names, no attribute copies);
//! - [`engine`]: the pure service-graph engine: pairs CLIENT and SERVER
//!   halves by (trace id, span id) in a bounded, time-limited store and
//!   aggregates requests, errors and latency histograms per edge and minute;
//! - [`pipeline`]: the engine behind a lock, shared by the receivers, drained
//!   by the server into storage.
//!
//! The engine never reads the catalog: the two meet in the server's query layer.

pub mod engine;
pub mod otlp;
pub mod pipeline;
pub mod receiver;

pub use engine::{
    ConnectionType, Edge, EdgeBucket, EdgeStats, Engine, EngineConfig, EngineCounters, NodeId, NodeKind, SpanKind, SpanRecord,
    new_latency_histogram,
};
pub use pipeline::{ExportOutcome, Pipeline};
