//! The collector: OTLP in, service-graph edges with RED metrics out.
//!
//! Data path, one module per step:
//! - [`receiver`]: thin OTLP adapters (gRPC `TraceService/Export`, HTTP
//!   `POST /v1/traces`) that decode requests and hand them to the pipeline;
//! - [`otlp`]: OTLP protobuf types → compact [`engine::SpanRecord`]s
//!   (interned service names, no attribute copies), reading every
//!   generation of the semantic conventions through one table
//!   ([`otlp::conventions`]) and sampling weights from the tracestate;
//! - [`engine`]: the pure service-graph engine: pairs CLIENT/SERVER and
//!   PRODUCER/CONSUMER halves by (trace id, span id) in a bounded,
//!   time-limited store, finds database, messaging, external and user nodes,
//!   aggregates requests, errors and latency histograms per edge, service and
//!   operation and minute, and notices deploys (a new `service.version`);
//! - [`pipeline`]: the engine behind a lock, shared by the receivers, drained
//!   by the server into storage.
//!
//! The engine never reads the catalog: the two meet in the server's query layer.

pub mod engine;
pub mod otlp;
pub mod pipeline;
pub mod receiver;

pub use engine::{
    Call, CallerBucket, ConnectionType, Deploy, Drained, Edge, EdgeBucket, EdgeStats, Engine, EngineConfig, EngineCounters, Latency,
    LatencyError, Limits, NodeId, NodeKind, OVERFLOW, OperationBucket, Outcome, Overflow, RedStats, Sampling, ServiceBucket, SpanKind,
    SpanRecord, VersionSeen,
};
pub use pipeline::{ExportOutcome, Pipeline};
