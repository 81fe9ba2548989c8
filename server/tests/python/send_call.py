"""Sends calls from one service to another with the real OpenTelemetry
Python SDK: a CLIENT span in the caller and the callee's SERVER span as its
child, each service with its own TracerProvider. The caller exports over
OTLP/HTTP, or over OTLP/gRPC with --grpc; the callee over OTLP/HTTP. With
--ca, both use TLS and trust only that CA.

The browser tests use it to make a new edge appear on a live graph; the TLS
test (server/tests/it/tls.rs) to export over TLS.

  python send_call.py --http 127.0.0.1:4318 --caller live-probe --callee catalog --calls 5
  python send_call.py --grpc 127.0.0.1:4317 --http 127.0.0.1:4318 --ca ca.pem --caller a --callee b
"""
import argparse

import grpc

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True, help="host:port of OTLP/HTTP")
    parser.add_argument("--grpc", help="host:port of OTLP/gRPC, for the caller's spans")
    parser.add_argument("--ca", help="PEM file of the CA to trust: export over TLS")
    parser.add_argument("--caller", required=True)
    parser.add_argument("--callee", required=True)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    scheme = "https" if args.ca else "http"
    http = HttpExporter(endpoint=f"{scheme}://{args.http}/v1/traces", certificate_file=args.ca)
    if args.grpc and args.ca:
        with open(args.ca, "rb") as ca:
            credentials = grpc.ssl_channel_credentials(root_certificates=ca.read())
        caller_exporter = GrpcExporter(endpoint=f"https://{args.grpc}", credentials=credentials, insecure=False)
    elif args.grpc:
        caller_exporter = GrpcExporter(endpoint=f"http://{args.grpc}", insecure=True)
    else:
        caller_exporter = HttpExporter(endpoint=f"{scheme}://{args.http}/v1/traces", certificate_file=args.ca)
    providers = []
    for service, exporter in ((args.caller, caller_exporter), (args.callee, http)):
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(exporter))
        providers.append(provider)
    client, server = (p.get_tracer("meridian-test") for p in providers)
    propagator = TraceContextTextMapPropagator()
    for _ in range(args.calls):
        with client.start_as_current_span("GET /probe", kind=SpanKind.CLIENT, attributes={"http.request.method": "GET"}):
            carrier = {}
            propagator.inject(carrier)
            with server.start_as_current_span(
                "GET /probe", context=propagator.extract(carrier), kind=SpanKind.SERVER,
                attributes={"http.request.method": "GET", "http.route": "/probe", "http.response.status_code": 200},
            ):
                pass
    for provider in providers:
        provider.force_flush()
        provider.shutdown()


if __name__ == "__main__":
    main()
