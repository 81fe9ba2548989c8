"""Sends calls to Meridian over TLS with the real OpenTelemetry Python SDK:
the caller's spans over OTLP/gRPC, the callee's over OTLP/HTTP, both
trusting only the given CA (the test's self-signed certificate).

  python send_tls.py --grpc 127.0.0.1:4317 --http 127.0.0.1:4318 --ca cert.pem --calls 3
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
    parser.add_argument("--grpc", required=True, help="host:port of OTLP/gRPC")
    parser.add_argument("--http", required=True, help="host:port of OTLP/HTTP")
    parser.add_argument("--ca", required=True, help="PEM file of the CA to trust")
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    with open(args.ca, "rb") as ca:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca.read())
    exporters = {
        "tls-grpc-client": GrpcExporter(endpoint=f"https://{args.grpc}", credentials=credentials, insecure=False),
        "tls-http-server": HttpExporter(endpoint=f"https://{args.http}/v1/traces", certificate_file=args.ca),
    }
    providers = []
    for service, exporter in exporters.items():
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(exporter))
        providers.append(provider)
    client, server = (p.get_tracer("meridian-tls") for p in providers)
    propagator = TraceContextTextMapPropagator()
    for _ in range(args.calls):
        with client.start_as_current_span("GET /secure", kind=SpanKind.CLIENT, attributes={"http.request.method": "GET"}):
            carrier = {}
            propagator.inject(carrier)
            with server.start_as_current_span(
                "GET /secure", context=propagator.extract(carrier), kind=SpanKind.SERVER,
                attributes={"http.request.method": "GET", "http.route": "/secure", "http.response.status_code": 200},
            ):
                pass
    for provider in providers:
        if not provider.force_flush(10_000):
            raise SystemExit("spans were not exported within 10 s")
        provider.shutdown()


if __name__ == "__main__":
    main()
