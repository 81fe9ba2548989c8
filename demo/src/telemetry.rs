//! OpenTelemetry set-up shared by every demo service: a tracer provider with
//! the service's resource, W3C trace-context propagation, helpers to carry
//! context in HTTP headers and queue messages, and "deploys": swapping the
//! provider for one with a new `service.version` while the process runs.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{SpanBuilder, TracerProvider as _};
use opentelemetry::{Context, KeyValue, global};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    Grpc,
    Http,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::Http => "http",
        }
    }
}

/// Where spans go: `endpoint` is the collector's base URL (`:4317` for
/// gRPC, `:4318` for HTTP; `/v1/traces` is added for HTTP).
#[derive(Clone, Debug)]
pub struct Export {
    pub endpoint: String,
    pub protocol: Protocol,
}

/// What runs now: the version, its provider, and that provider's tracer.
struct Current {
    version: String,
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl Current {
    fn new(service: &str, version: &str, export: &Export) -> anyhow::Result<Self> {
        let provider = provider(service, version, export)?;
        Ok(Current { version: version.to_string(), tracer: provider.tracer("meridian-demo"), provider })
    }
}

/// The tracer the tracing layer uses: whichever provider is current. A
/// deploy swaps the provider behind it (`tracing_subscriber::reload` cannot
/// be used: it hides the layer that `OpenTelemetrySpanExt` needs to reach).
/// A span keeps the provider it started with, so its version is the one it
/// ran under.
#[derive(Clone)]
struct CurrentTracer(Arc<RwLock<Current>>);

impl CurrentTracer {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Current> {
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }
}

impl opentelemetry::trace::Tracer for CurrentTracer {
    type Span = opentelemetry_sdk::trace::Span;

    fn build_with_context(&self, builder: SpanBuilder, parent_cx: &Context) -> Self::Span {
        self.read().tracer.build_with_context(builder, parent_cx)
    }
}

/// The running telemetry of one service; [`Self::deploy`] restarts it with
/// another version, as a real deploy would.
pub struct Telemetry {
    service: String,
    export: Export,
    current: CurrentTracer,
}

/// How long a replaced provider still takes the spans started before the
/// deploy (longer than any request of the demo), before it is flushed.
const DRAIN: Duration = Duration::from_secs(30);

impl Telemetry {
    /// Installs logging and tracing for `service` at `version`.
    pub fn init(service: &str, version: &str, export: Export) -> anyhow::Result<Self> {
        global::set_text_map_propagator(TraceContextPropagator::new());
        let current = CurrentTracer(Arc::new(RwLock::new(Current::new(service, version, &export)?)));
        let filter =
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
        tracing_subscriber::registry()
            .with(filter)
            .with(tracing_subscriber::fmt::layer().with_target(false).without_time())
            .with(tracing_opentelemetry::layer().with_tracer(current.clone()))
            .try_init()?;
        Ok(Telemetry { service: service.to_string(), export, current })
    }

    pub fn version(&self) -> String {
        self.current.read().version.clone()
    }

    /// New spans carry `version` from now on.
    pub fn deploy(&self, version: &str) -> anyhow::Result<()> {
        let next = Current::new(&self.service, version, &self.export)?;
        let old = std::mem::replace(&mut *self.current.0.write().unwrap_or_else(|p| p.into_inner()), next);
        tokio::spawn(async move {
            tokio::time::sleep(DRAIN).await;
            // Flushing blocks on the exporter: off the async threads.
            let _ = tokio::task::spawn_blocking(move || old.provider.shutdown()).await;
        });
        Ok(())
    }

    /// Flushes buffered spans (on exit).
    pub fn shutdown(&self) {
        if let Err(error) = self.current.read().provider.shutdown() {
            tracing::warn!("telemetry shutdown: {error}");
        }
    }
}

fn provider(service: &str, version: &str, export: &Export) -> anyhow::Result<SdkTracerProvider> {
    let exporter = match export.protocol {
        Protocol::Grpc => opentelemetry_otlp::SpanExporter::builder().with_tonic().with_endpoint(&export.endpoint).build()?,
        Protocol::Http => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", export.endpoint.trim_end_matches('/')))
            .with_headers(Default::default())
            .build()?,
    };
    let resource = Resource::builder()
        .with_service_name(service.to_string())
        .with_attributes([KeyValue::new("service.version", version.to_string()), KeyValue::new("deployment.environment.name", "demo")])
        .build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}

/// Writes the trace context of `span` into a carrier (HTTP headers, a
/// message's headers) as W3C `traceparent` / `tracestate`.
pub fn inject(span: &tracing::Span, carrier: &mut dyn Injector) {
    global::get_text_map_propagator(|p| p.inject_context(&span.context(), carrier));
}

/// The caller's (or producer's) context from a carrier.
pub fn extract(carrier: &dyn Extractor) -> Context {
    global::get_text_map_propagator(|p| p.extract(carrier))
}
