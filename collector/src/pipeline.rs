//! The engine shared by the receivers: decode outside the lock, ingest
//! inside it. The server drains it into storage on a timer.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse};

use std::collections::HashMap;

use crate::engine::{Drained, Engine, EngineConfig, EngineCounters, Name, ServiceVersion};
use crate::otlp::{Interner, decode_request};

pub struct Pipeline {
    engine: Mutex<Engine>,
    interner: Mutex<Interner>,
    started: Instant,
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
        Self { engine: Mutex::new(Engine::new(config)), interner: Mutex::new(Interner::default()), started: Instant::now() }
    }

    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn export(&self, request: &ExportTraceServiceRequest) -> ExportOutcome {
        let mut spans = Vec::new();
        let rejected = {
            let mut interner = self.interner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            decode_request(request, &mut interner, &mut spans)
        };
        let accepted = spans.len() as u64;
        let now = self.now();
        let mut engine = self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        engine.count_dropped(rejected.count);
        for span in spans {
            engine.ingest(span, now);
        }
        ExportOutcome { accepted, rejected: rejected.count, message: rejected.first_reason }
    }

    /// Expires old halves and hands over the aggregated buckets.
    pub fn drain(&self) -> Drained {
        let now = self.now();
        let mut engine = self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        engine.expire(now);
        engine.drain()
    }

    /// The version and environment of every service seen.
    pub fn service_versions(&self) -> HashMap<Name, ServiceVersion> {
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).service_versions().clone()
    }

    /// See [`Engine::seed_version`].
    pub fn seed_version(&self, service: Name, version: Name, last_seen_unix_nanos: u64) {
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).seed_version(service, version, last_seen_unix_nanos);
    }

    /// Halves waiting for their partner now.
    pub fn pending(&self) -> usize {
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pending_len()
    }

    pub fn counters(&self) -> EngineCounters {
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).counters()
    }
}
