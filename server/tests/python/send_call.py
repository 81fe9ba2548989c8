"""Sends calls from one service to another with the real OpenTelemetry
Python SDK over OTLP/HTTP: a CLIENT span in the caller and the callee's
SERVER span as its child, each service with its own TracerProvider.
The browser tests use it to make a new edge appear on a live graph.

  python send_call.py --http 127.0.0.1:4318 --caller live-probe --callee catalog --calls 5
"""
import argparse

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True, help="host:port of OTLP/HTTP")
    parser.add_argument("--caller", required=True)
    parser.add_argument("--callee", required=True)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    providers = []
    for service in (args.caller, args.callee):
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"http://{args.http}/v1/traces")))
        providers.append(provider)
    client, server = (p.get_tracer("meridian-e2e") for p in providers)
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
