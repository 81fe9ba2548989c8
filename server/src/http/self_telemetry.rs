//! Meridian watching itself (`--self-telemetry`): every API and UI request
//! becomes a SERVER span of the service `meridian`, exported over OTLP/gRPC
//! (by default to Meridian's own receiver), so Meridian appears in its own
//! graph and operations like any service. The OTLP receivers are not traced:
//! tracing its own exports would feed itself.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The target of request spans: the only spans exported (not sqlx's or hyper's).
const TARGET: &str = "meridian::request";

/// Logging to stderr as usual, plus request spans to `endpoint` (an OTLP/gRPC
/// URL such as `http://127.0.0.1:4317`). Must run inside the tokio runtime;
/// shut the returned provider down on exit to flush.
pub fn init(endpoint: &str, log_filter: tracing_subscriber::EnvFilter) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder().with_tonic().with_endpoint(endpoint).build()?;
    let resource = Resource::builder()
        .with_service_name("meridian")
        .with_attributes([KeyValue::new("service.version", env!("CARGO_PKG_VERSION"))])
        .build();
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    let requests_only = tracing_subscriber::filter::filter_fn(|metadata| metadata.target() == TARGET);
    tracing_subscriber::registry()
        .with(crate::log_layer().with_filter(log_filter))
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("meridian")).with_filter(requests_only))
        .try_init()?;
    Ok(provider)
}

/// Middleware: one SERVER span per request, named `METHOD /route` by the
/// matched route (not the raw path, so `/entities/by-name/{kind}/...` is one
/// operation), with the HTTP semantic-convention attributes.
pub async fn trace_request(request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let span = tracing::info_span!(
        target: TARGET,
        "request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = Empty,
        otel.status_code = Empty,
    );
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    response
}
