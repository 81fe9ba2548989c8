"""Sends traces to Meridian with the real OpenTelemetry Python SDK.

Three client->server scenarios, each a pair of services with its own
TracerProvider (as two real processes would have):
  grpc:  py-grpc-client  -> py-grpc-server   both export over OTLP/gRPC   3 calls, 1 error
  http:  py-http-client  -> py-http-server   both export over OTLP/HTTP   4 calls, 0 errors
  mixed: py-mixed-client -> py-mixed-server  client gRPC, server HTTP     5 calls, 2 errors
The server span continues the client's context through a W3C traceparent
carrier, exactly as an instrumented HTTP hop does.
"""
import argparse

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator


def provider(service, exporter):
    p = TracerProvider(resource=Resource.create({"service.name": service}))
    p.add_span_processor(BatchSpanProcessor(exporter))
    return p


def scenario(client_provider, server_provider, calls, errors):
    propagator = TraceContextTextMapPropagator()
    client_tracer = client_provider.get_tracer("meridian-test")
    server_tracer = server_provider.get_tracer("meridian-test")
    for i in range(calls):
        with client_tracer.start_as_current_span(
            "GET /work", kind=SpanKind.CLIENT, attributes={"http.request.method": "GET", "server.address": "backend"}
        ):
            carrier = {}
            propagator.inject(carrier)
            context = propagator.extract(carrier)
            with server_tracer.start_as_current_span(
                "GET /work", context=context, kind=SpanKind.SERVER,
                attributes={"http.request.method": "GET", "http.route": "/work"},
            ) as server:
                if i < errors:
                    server.set_attribute("http.response.status_code", 500)
                    server.set_status(Status(StatusCode.ERROR))
                else:
                    server.set_attribute("http.response.status_code", 200)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--grpc", required=True, help="host:port of OTLP/gRPC")
    parser.add_argument("--http", required=True, help="host:port of OTLP/HTTP")
    args = parser.parse_args()
    grpc = lambda: GrpcExporter(endpoint=f"http://{args.grpc}", insecure=True)
    http = lambda: HttpExporter(endpoint=f"http://{args.http}/v1/traces")
    providers = []
    for client, server, calls, errors in [
        (provider("py-grpc-client", grpc()), provider("py-grpc-server", grpc()), 3, 1),
        (provider("py-http-client", http()), provider("py-http-server", http()), 4, 0),
        (provider("py-mixed-client", grpc()), provider("py-mixed-server", http()), 5, 2),
    ]:
        scenario(client, server, calls, errors)
        providers += [client, server]
    for p in providers:
        p.shutdown()  # flushes


if __name__ == "__main__":
    main()
