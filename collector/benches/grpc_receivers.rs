//! The OTLP/gRPC receiver framed by hand on hyper (`receiver::grpc`) against
//! the same export served through tonic's server with a pass-through codec
//! (the message stays bytes for the scanner, as in ours), in the same run:
//! one pipeline, one accept loop (`listener::serve`, whose CPU meter counts
//! the server's connections and streams), the same requests, the two
//! receivers taking turns so a noisy neighbour hits both alike.
//!
//!     cargo bench -p collector --bench grpc_receivers
//!
//! Prints, first, the status each answers a message too large for the limit
//! with (what an OTLP exporter then does depends on it), then spans per
//! server core-second for each turn and the median of each receiver;
//! figures go in BENCHMARKS.md.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use collector::otlp::{BodyError, BodyFormat};
use collector::receiver::ReceiverConfig;
use collector::receiver::cpu::CpuMeter;
use collector::receiver::grpc::{EXPORT, GrpcReceiver};
use collector::receiver::listener::{self, ListenerConfig};
use collector::{EngineConfig, Pipeline};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::{Request, Response, Status};

const TURNS: usize = 4;
const TURN: Duration = Duration::from_secs(5);
const STREAMS: usize = 8;
const PAYLOADS: u64 = 500;

/// tonic's half: the message handed over as bytes, the answer encoded by prost.
#[derive(Clone, Copy, Default)]
struct PassThrough;

impl Codec for PassThrough {
    type Encode = ExportTraceServiceResponse;
    type Decode = Bytes;
    type Encoder = PassThrough;
    type Decoder = PassThrough;
    fn encoder(&mut self) -> PassThrough {
        PassThrough
    }
    fn decoder(&mut self) -> PassThrough {
        PassThrough
    }
}

impl Decoder for PassThrough {
    type Item = Bytes;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

impl Encoder for PassThrough {
    type Item = ExportTraceServiceResponse;
    type Error = Status;
    fn encode(&mut self, item: ExportTraceServiceResponse, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst).map_err(|e| Status::internal(e.to_string()))
    }
}

/// The export through tonic: what `receiver::grpc` does once the message is read.
#[derive(Clone)]
struct TonicExport {
    pipeline: Arc<Pipeline>,
    config: ReceiverConfig,
}

impl tonic::server::UnaryService<Bytes> for TonicExport {
    type Response = ExportTraceServiceResponse;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ExportTraceServiceResponse>, Status>> + Send>>;

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let message = request.into_inner();
            let Some(_admitted) = this.pipeline.admission().try_admit(message.len()) else {
                return Err(Status::unavailable("overloaded: retry later"));
            };
            match this.pipeline.export_body(&message, BodyFormat::Protobuf, false, this.config.max_body_bytes) {
                Ok(outcome) => Ok(Response::new(outcome.into_response())),
                Err(BodyError::TooLarge(message)) => Err(Status::resource_exhausted(message)),
                Err(BodyError::Invalid(message)) => Err(Status::invalid_argument(message)),
            }
        })
    }
}

async fn serve_tonic(pipeline: Arc<Pipeline>, listener: tokio::net::TcpListener, config: ListenerConfig, stop: impl Future<Output = ()>) {
    let export = TonicExport { pipeline, config: ReceiverConfig::default() };
    let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
        let export = export.clone();
        async move {
            if request.uri().path() != EXPORT {
                return Ok::<_, Infallible>(Status::unimplemented("only TraceService/Export is served here").into_http());
            }
            let mut grpc = tonic::server::Grpc::new(PassThrough)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(export.config.max_body_bytes);
            Ok(grpc.unary(export, request).await)
        }
    });
    listener::serve(listener, service, config, "OTLP/gRPC (tonic)", stop).await;
}

fn framed(message: &[u8]) -> Bytes {
    let mut frame = Vec::with_capacity(message.len() + 5);
    frame.push(0);
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    frame.into()
}

/// Sends the payloads from [`STREAMS`] concurrent calls for [`TURN`]; spans accepted.
async fn drive(url: &str, payloads: &Arc<Vec<(Bytes, u64)>>) -> u64 {
    let client = reqwest::Client::builder().http2_prior_knowledge().build().expect("client");
    let (spans, next) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let deadline = Instant::now() + TURN;
    let tasks: Vec<_> = (0..STREAMS)
        .map(|_| {
            let (client, url, payloads, spans, next) = (client.clone(), url.to_string(), payloads.clone(), spans.clone(), next.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let (body, count) = &payloads[(next.fetch_add(1, Ordering::Relaxed) % payloads.len() as u64) as usize];
                    let response = client
                        .post(&url)
                        .header("content-type", "application/grpc")
                        .header("te", "trailers")
                        .body(body.clone())
                        .send()
                        .await
                        .expect("the server answers");
                    let failed = response.headers().get("grpc-status").is_some_and(|s| s != "0");
                    let _ = response.bytes().await;
                    assert!(!failed, "an export failed");
                    spans.fetch_add(*count, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("load task");
    }
    spans.load(Ordering::Relaxed)
}

/// The `grpc-status` answered to a message whose prefix claims more than
/// the 16 MiB limit (only the prefix and a few bytes are sent).
async fn oversize_status(url: &str) -> String {
    let mut body = vec![0];
    body.extend_from_slice(&(17u32 << 20).to_be_bytes());
    body.extend_from_slice(&[0; 16]);
    let client = reqwest::Client::builder().http2_prior_knowledge().build().expect("client");
    let response =
        client.post(url).header("content-type", "application/grpc").header("te", "trailers").body(body).send().await.expect("an answer");
    let code = response.headers().get("grpc-status").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i32>().ok());
    code.map_or("none in the headers".into(), |c| format!("{c} ({:?})", tonic::Code::from_i32(c)))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let payloads: Arc<Vec<(Bytes, u64)>> = Arc::new(
        (0..PAYLOADS)
            .map(|seed| synthetic::export_request(seed, 50, start))
            .map(|r| (framed(&r.encode_to_vec()), synthetic::span_count(&r) as u64))
            .collect(),
    );
    let pipeline = Arc::new(Pipeline::new(EngineConfig::default()));
    let (hand_meter, tonic_meter) = (CpuMeter::default(), CpuMeter::default());
    let (hand_listener, tonic_listener) =
        (std::net::TcpListener::bind("127.0.0.1:0").unwrap(), std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let (hand_url, tonic_url) = (
        format!("http://{}{EXPORT}", hand_listener.local_addr().unwrap()),
        format!("http://{}{EXPORT}", tonic_listener.local_addr().unwrap()),
    );
    // The server: one thread, both receivers.
    let server = {
        let (pipeline, hand_meter, tonic_meter) = (pipeline.clone(), hand_meter.clone(), tonic_meter.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let config = |meter: CpuMeter| ListenerConfig { cpu: Some(meter), ..ListenerConfig::default() };
                for listener in [&hand_listener, &tonic_listener] {
                    listener.set_nonblocking(true).expect("nonblocking");
                }
                let hand_listener = tokio::net::TcpListener::from_std(hand_listener).expect("listener");
                let tonic_listener = tokio::net::TcpListener::from_std(tonic_listener).expect("listener");
                let hand = GrpcReceiver::new(pipeline.clone(), &ReceiverConfig::default()).serve(
                    hand_listener,
                    config(hand_meter),
                    std::future::pending(),
                );
                let tonic = serve_tonic(pipeline, tonic_listener, config(tonic_meter), std::future::pending());
                tokio::join!(hand, tonic);
            });
        })
    };
    let drainer = {
        let pipeline = pipeline.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                std::hint::black_box(pipeline.drain());
            }
        })
    };
    let client = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let (mut hand, mut tonic) = (Vec::new(), Vec::new());
    for (name, url) in [("hand-framed", &hand_url), ("tonic pass-through", &tonic_url)] {
        println!("{name:<20} answers a 17 MiB message with grpc-status {}", client.block_on(oversize_status(url)));
    }
    println!("{PAYLOADS} requests of about 50 spans, {STREAMS} concurrent calls, {TURNS} turns of {TURN:?} each");
    for turn in 0..TURNS {
        for (name, url, meter, rates) in
            [("hand-framed", &hand_url, &hand_meter, &mut hand), ("tonic pass-through", &tonic_url, &tonic_meter, &mut tonic)]
        {
            let cpu_before = meter.seconds();
            let started = Instant::now();
            let spans = client.block_on(drive(url, &payloads));
            let (seconds, cpu) = (started.elapsed().as_secs_f64(), meter.seconds() - cpu_before);
            let rate = spans as f64 / cpu;
            rates.push(rate);
            println!(
                "turn {turn} {name:<20} {:>10.0} spans per server core-second ({:>9.0} spans/s, server {:.0}% busy)",
                rate,
                spans as f64 / seconds,
                100.0 * cpu / seconds
            );
        }
    }
    let (hand, tonic) = (median(&mut hand), median(&mut tonic));
    println!("median: hand-framed {hand:.0}, tonic {tonic:.0}: hand-framed {:+.1} % per core", 100.0 * (hand / tonic - 1.0));
    drop((server, drainer));
    std::process::exit(0);
}
