//! One accept loop for every listener Meridian opens (the web port, OTLP/HTTP
//! and OTLP/gRPC): HTTP/1.1 and HTTP/2 (prior knowledge, as gRPC clients
//! speak it), with limits so that no client can hold sockets open for ever:
//!
//! - at most [`ListenerConfig::max_connections`] open connections per
//!   listener: a full listener waits to accept, and the others (OTLP on its
//!   own ports) are not affected;
//! - HTTP/1 request headers must arrive whole within `header_read_timeout`
//!   (a half-sent request line or header is closed); hyper starts that
//!   clock when a kept-alive connection goes quiet, so it also bounds the
//!   wait for the next request;
//! - a connection that reads and writes nothing for `idle_timeout` is
//!   closed gracefully (a request in flight finishes; an event stream writes
//!   a keep-alive comment well within it);
//! - on shutdown every connection is closed gracefully and given [`DRAIN`];
//! - with a certificate (`--tls-cert`, `--tls-key`), TLS (rustls) with ALPN
//!   `h2` and `http/1.1`; the handshake has the header-read timeout too.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::cpu::{CpuMeter, Executor};

/// How long calls in flight may take to finish once shutdown begins.
pub const DRAIN: Duration = Duration::from_secs(10);

pub const DEFAULT_MAX_CONNECTIONS: usize = 4_096;
/// 30 s as hyper's own default: shorter closed first requests of a loaded test machine.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// How often idle connections are looked for.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// What every listener applies (`--max-connections`,
/// `--header-read-timeout-secs`, `--idle-timeout-secs`, `--tls-cert`).
#[derive(Clone, Debug)]
pub struct ListenerConfig {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// TLS on every listener; `None`: plain TCP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Counts the CPU its connections take (the OTLP listeners': ingest).
    pub cpu: Option<CpuMeter>,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            tls: None,
            cpu: None,
        }
    }
}

/// Why a certificate and key cannot serve TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("--tls-cert `{path}`: {message}")]
    Certificate { path: String, message: String },
    #[error("--tls-key `{path}`: {message}")]
    Key { path: String, message: String },
    #[error("--tls-cert and --tls-key do not make a TLS configuration: {0}")]
    Config(String),
}

/// A TLS configuration from PEM files: the certificate chain (leaf first)
/// and its private key; ALPN offers HTTP/2 (gRPC needs it) and HTTP/1.1.
pub fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certificate = |message: String| TlsError::Certificate { path: cert.display().to_string(), message };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| certificate(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(certificate("holds no PEM certificate".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key { path: key.display().to_string(), message: e.to_string() })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

type BoxError = Box<dyn StdError + Send + Sync>;

/// Serves `service` on `listener` until `shutdown` completes, then closes
/// every connection gracefully, waiting at most [`DRAIN`]. `what` names the
/// listener in logs.
pub async fn serve<S, B>(listener: TcpListener, service: S, config: ListenerConfig, what: &'static str, shutdown: impl Future<Output = ()>)
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let (stop, stopping) = watch::channel(false);
    let executor = Executor { meter: config.cpu.clone() };
    let mut builder = auto::Builder::new(executor.clone());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(config.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let tls = config.tls.clone().map(TlsAcceptor::from);
    tokio::pin!(shutdown);
    let mut warned_full = false;
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        if slots.available_permits() == 0 && !warned_full {
            tracing::warn!("{what}: {} connections open, the most allowed (--max-connections); new ones wait", config.max_connections);
            warned_full = true;
        } else if slots.available_permits() > config.max_connections / 10 {
            warned_full = false;
        }
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(error) => {
                    // Out of descriptors, say: wait instead of spinning.
                    tracing::warn!("{what} cannot accept a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without it a small answer waits on the client's delayed ACK.
        let _ = tcp.set_nodelay(true);
        let (builder, service, stopping, tls) = (builder.clone(), service.clone(), stopping.clone(), tls.clone());
        let (header_read_timeout, idle_timeout) = (config.header_read_timeout, config.idle_timeout);
        let connection = async move {
            let _slot = slot;
            let Some(tls) = tls else {
                return serve_connection(tcp, &builder, service, idle_timeout, stopping, what).await;
            };
            match tokio::time::timeout(header_read_timeout, tls.accept(tcp)).await {
                Ok(Ok(stream)) => serve_connection(stream, &builder, service, idle_timeout, stopping, what).await,
                Ok(Err(error)) => tracing::debug!("{what}: TLS handshake failed: {error}"),
                Err(_) => tracing::debug!("{what}: TLS handshake not finished within {header_read_timeout:?}"),
            }
        };
        hyper::rt::Executor::execute(&executor, connection);
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it ends: all slots back means all closed.
    let all = u32::try_from(config.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN, slots.acquire_many(all)).await.is_err() {
        tracing::warn!("{what}: connections still open after {DRAIN:?}; closing them");
    }
}

/// Serves one connection until it ends: closed gracefully when idle for
/// `idle_timeout` or when `stopping` says so, then given [`DRAIN`].
async fn serve_connection<T, S, B>(
    io: T,
    builder: &auto::Builder<Executor>,
    service: S,
    idle_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
    what: &'static str,
) where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let started = Instant::now();
    let last_active = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Tracked { io, started, last_active: last_active.clone() });
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    // Once closing, a request in flight has DRAIN to finish (a client that
    // stopped sending its body would hold it for ever).
    let mut closing: Option<tokio::time::Instant> = None;
    let mut idle_check = tokio::time::interval(IDLE_CHECK);
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!("{what}: connection ended: {error}");
                }
                break;
            }
            _ = stopping.changed(), if closing.is_none() => {
                connection.as_mut().graceful_shutdown();
                closing = Some(tokio::time::Instant::now() + DRAIN);
            }
            _ = idle_check.tick(), if closing.is_none() => {
                let idle = started.elapsed().saturating_sub(Duration::from_millis(last_active.load(Ordering::Relaxed)));
                if idle >= idle_timeout {
                    connection.as_mut().graceful_shutdown();
                    closing = Some(tokio::time::Instant::now() + DRAIN);
                }
            }
            () = tokio::time::sleep_until(closing.unwrap_or_else(tokio::time::Instant::now)), if closing.is_some() => break,
        }
    }
}

/// [`serve`] for an axum router.
pub async fn serve_router(
    listener: TcpListener,
    router: axum::Router,
    config: ListenerConfig,
    what: &'static str,
    shutdown: impl Future<Output = ()>,
) {
    serve(listener, hyper_util::service::TowerToHyperService::new(router), config, what, shutdown).await;
}

/// A connection's socket (or TLS stream), noting when it last read or wrote a byte.
struct Tracked<T> {
    io: T,
    started: Instant,
    /// Milliseconds after `started`.
    last_active: Arc<AtomicU64>,
}

impl<T> Tracked<T> {
    fn touch(&self) {
        self.last_active.store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
