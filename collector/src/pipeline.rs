//! The engine shared by the receivers: decode outside the lock, ingest
//! inside it. The server drains it into storage on a timer. An admission
//! budget bounds the request bytes being worked on at once: beyond it the
//! receivers answer "retry later", as the OTLP specification asks of an
//! overloaded server, instead of queueing without bound.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse};

use crate::engine::{Drained, Engine, EngineConfig, EngineCounters, Overflow, SpanRecord, VersionSeen};
use crate::otlp::{AttributeNames, BodyError, BodyFormat, Decoder, Rejected, decode_body, decode_request};

/// Default admission budget: request bytes being worked on at once.
pub const DEFAULT_MAX_IN_FLIGHT_BYTES: usize = 64 * 1024 * 1024;

/// About what one span takes in an SDK's protobuf export, to size the list
/// of a request's records once (a guess too low only costs a regrowth).
const BYTES_PER_SPAN: usize = 300;

/// How long a refused exporter is asked to wait.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

pub struct Pipeline {
    engine: Mutex<Engine>,
    decoder: Mutex<Decoder>,
    started: Instant,
    admission: Admission,
}

/// Request bytes admitted and not yet done, against a budget; and whether
/// what was counted can still be written (a database down too long:
/// exporters are asked to retry rather than have their calls dropped later).
pub struct Admission {
    in_flight: AtomicUsize,
    budget: usize,
    refused: AtomicU64,
    backlogged: std::sync::atomic::AtomicBool,
}

/// An admitted request's share of the budget, given back on drop.
pub struct Admitted<'a> {
    admission: &'a Admission,
    bytes: usize,
}

impl Admission {
    fn new(budget: usize) -> Self {
        Self { in_flight: AtomicUsize::new(0), budget, refused: AtomicU64::new(0), backlogged: std::sync::atomic::AtomicBool::new(false) }
    }

    /// Set while counted buckets wait for the database beyond what memory
    /// should hold: every export is refused (retry later) until cleared.
    pub fn set_backlogged(&self, backlogged: bool) {
        self.backlogged.store(backlogged, Ordering::Release);
    }

    /// Admits `bytes` of work if the budget allows (a request larger than
    /// the whole budget is admitted when nothing else is in flight, or it
    /// could never pass).
    pub fn try_admit(&self, bytes: usize) -> Option<Admitted<'_>> {
        if self.backlogged.load(Ordering::Acquire) {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let mut current = self.in_flight.load(Ordering::Acquire);
        loop {
            if current > 0 && current.saturating_add(bytes) > self.budget {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            match self.in_flight.compare_exchange_weak(current, current + bytes, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(Admitted { admission: self, bytes }),
                Err(now) => current = now,
            }
        }
    }

    /// Exports refused for overload so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.admission.in_flight.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// What happened to one export request.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExportOutcome {
    pub accepted: u64,
    pub rejected: u64,
    pub message: Option<String>,
}

impl ExportOutcome {
    /// The OTLP response: empty on full success, `partial_success` otherwise.
    pub fn into_response(self) -> ExportTraceServiceResponse {
        let partial_success = (self.rejected > 0)
            .then(|| ExportTracePartialSuccess { rejected_spans: self.rejected as i64, error_message: self.message.unwrap_or_default() });
        ExportTraceServiceResponse { partial_success }
    }
}

impl Pipeline {
    pub fn new(config: EngineConfig) -> Self {
        Self {
            engine: Mutex::new(Engine::new(config)),
            decoder: Mutex::new(Decoder::default()),
            started: Instant::now(),
            admission: Admission::new(DEFAULT_MAX_IN_FLIGHT_BYTES),
        }
    }

    /// The same with another admission budget.
    pub fn with_max_in_flight_bytes(mut self, bytes: usize) -> Self {
        self.admission = Admission::new(bytes);
        self
    }

    /// The same, reading a sampler's weight from another attribute.
    pub fn with_attribute_names(mut self, names: AttributeNames) -> Self {
        self.decoder = Mutex::new(Decoder::new(names));
        self
    }

    pub fn admission(&self) -> &Admission {
        &self.admission
    }

    /// The engine; a panic in another holder does not stop ingest (the
    /// engine's maps stay consistent between spans).
    fn engine(&self) -> std::sync::MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    /// Exports an OTLP/HTTP or OTLP/gRPC body: decoded (protobuf by the
    /// scanner, JSON in full) outside the engine's lock, then ingested.
    pub fn export_body(&self, body: &[u8], format: BodyFormat, gzip: bool, max_bytes: usize) -> Result<ExportOutcome, BodyError> {
        self.ingest(body.len() / BYTES_PER_SPAN, |decoder, spans| decode_body(body, format, gzip, max_bytes, decoder, spans))
    }

    /// Exports a request already decoded into `opentelemetry-proto`'s types.
    pub fn export(&self, request: &ExportTraceServiceRequest) -> ExportOutcome {
        let Ok::<_, std::convert::Infallible>(outcome) = self.ingest(0, |decoder, spans| Ok(decode_request(request, decoder, spans)));
        outcome
    }

    /// Decodes with `decode` (into a list sized for `expected` spans), then
    /// ingests what it gave.
    fn ingest<E>(
        &self,
        expected: usize,
        decode: impl FnOnce(&mut Decoder, &mut Vec<SpanRecord>) -> Result<Rejected, E>,
    ) -> Result<ExportOutcome, E> {
        let mut spans = Vec::with_capacity(expected);
        let rejected = {
            let mut decoder = self.decoder.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            decode(&mut decoder, &mut spans)?
        };
        let accepted = spans.len() as u64;
        let now = self.now();
        let mut engine = self.engine();
        engine.count_dropped(rejected.count);
        engine.ingest_all(spans, now);
        Ok(ExportOutcome { accepted, rejected: rejected.count, message: rejected.first_reason })
    }

    /// Expires old halves and hands over the aggregated buckets.
    pub fn drain(&self) -> Drained {
        let now = self.now();
        let mut engine = self.engine();
        engine.expire(now);
        engine.drain()
    }

    /// See [`Engine::seed_version`].
    pub fn seed_version(&self, known: VersionSeen) {
        self.engine().seed_version(known);
    }

    /// Halves waiting for their partner now.
    pub fn pending(&self) -> usize {
        self.engine().pending_len()
    }

    pub fn counters(&self) -> EngineCounters {
        self.engine().counters()
    }

    /// Calls counted in overflow series (cardinality limits) since start.
    pub fn overflow(&self) -> Overflow {
        self.engine().overflow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_refuses_beyond_the_budget_and_frees_on_drop() {
        let pipeline = Pipeline::new(EngineConfig::default()).with_max_in_flight_bytes(100);
        let first = pipeline.admission().try_admit(60).expect("room");
        assert!(pipeline.admission().try_admit(50).is_none(), "60 + 50 > 100");
        let second = pipeline.admission().try_admit(40).expect("60 + 40 fits");
        drop(first);
        drop(second);
        pipeline.admission().set_backlogged(true);
        assert!(pipeline.admission().try_admit(1).is_none(), "a backlog refuses everything");
        pipeline.admission().set_backlogged(false);
        let huge = pipeline.admission().try_admit(1000);
        assert!(huge.is_some(), "larger than the budget, but alone");
        assert!(pipeline.admission().try_admit(1).is_none());
        assert_eq!(pipeline.admission().refused(), 3);
    }
}
