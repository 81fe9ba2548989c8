"""Sends traces to Meridian with the real OpenTelemetry Python SDK.

Every service has its own TracerProvider (as a real process would), and a
callee continues its caller's context through a W3C traceparent carrier,
exactly as an instrumented HTTP hop or a message header does.

  grpc:     py-grpc-client  -> py-grpc-server   both over OTLP/gRPC            3 calls, 1 error
  http:     py-http-client  -> py-http-server   both over OTLP/HTTP            4 calls, 0 errors
  mixed:    py-mixed-client -> py-mixed-server  client gRPC, server HTTP       5 calls, 2 errors
  database: user -> py-db-service (2 requests), which queries PostgreSQL `orders`
            3 times (new conventions, one failing) and Redis twice (old `db.system`
            only: no namespace, no server, so a database of its own)
  queue:    py-producer -> rabbitmq `orders-queue` -> py-consumer, 4 messages,
            producer over gRPC, consumer over HTTP, both gzip-compressed,
            context carried in the message
  external: py-payments calls `payment-provider` twice; nothing answers in traces
  late:     py-late-client -> py-late-server, 2 calls: the server's half is
            exported first and the client's a second later, over the other transport
  json:     one hand-made OTLP/JSON request (upper-case hex ids, numeric 64-bit
            integers, integer enums, an unknown field): json-client -> json-server
"""
import argparse
import json
import time
import urllib.request

import grpc as grpc_lib

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry import trace as trace_api
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


def database(service_provider):
    tracer = service_provider.get_tracer("meridian-test")
    for request in range(2):
        with tracer.start_as_current_span("GET /orders", kind=SpanKind.SERVER, attributes={"http.request.method": "GET", "http.route": "/orders"}):
            for query in range(3 if request == 0 else 0):
                with tracer.start_as_current_span(
                    "SELECT orders", kind=SpanKind.CLIENT,
                    attributes={"db.system.name": "postgresql", "db.namespace": "orders", "db.operation.name": "SELECT"},
                ) as span:
                    if query == 2:
                        span.set_status(Status(StatusCode.ERROR, "deadlock detected"))
            if request == 1:
                for _ in range(2):
                    with tracer.start_as_current_span("GET", kind=SpanKind.CLIENT, attributes={"db.system": "redis"}):
                        pass


def queue(producer_provider, consumer_provider, messages):
    propagator = TraceContextTextMapPropagator()
    producer = producer_provider.get_tracer("meridian-test")
    consumer = consumer_provider.get_tracer("meridian-test")
    queued = []
    attributes = {"messaging.system": "rabbitmq", "messaging.destination.name": "orders-queue"}
    for _ in range(messages):
        with producer.start_as_current_span("orders-queue publish", kind=SpanKind.PRODUCER, attributes=attributes):
            headers = {}
            propagator.inject(headers)
            queued.append(headers)
    for headers in queued:  # later, in another process
        with consumer.start_as_current_span(
            "orders-queue process", context=propagator.extract(headers), kind=SpanKind.CONSUMER, attributes=attributes
        ):
            pass


def external(payments_provider, calls):
    tracer = payments_provider.get_tracer("meridian-test")
    for _ in range(calls):
        with tracer.start_as_current_span(
            "POST", kind=SpanKind.CLIENT,
            attributes={"http.request.method": "POST", "peer.service": "payment-provider", "server.address": "api.pay.example"},
        ):
            pass


def late(client_provider, server_provider, calls):
    """The server's half reaches Meridian a second before the client's."""
    propagator = TraceContextTextMapPropagator()
    client_tracer = client_provider.get_tracer("meridian-test")
    server_tracer = server_provider.get_tracer("meridian-test")
    for _ in range(calls):
        client = client_tracer.start_span("GET /late", kind=SpanKind.CLIENT, attributes={"http.request.method": "GET"})
        carrier = {}
        propagator.inject(carrier, context=trace_api.set_span_in_context(client))
        with server_tracer.start_as_current_span("GET /late", context=propagator.extract(carrier), kind=SpanKind.SERVER):
            pass
        client.end()
    server_provider.force_flush()
    time.sleep(1)
    client_provider.force_flush()


def hand_made_json(http):
    def span(span_id, parent, kind):
        return {
            "traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": span_id, "parentSpanId": parent,
            "name": "GET /json", "kind": kind, "startTimeUnixNano": now, "endTimeUnixNano": now + 2_000_000,
            "attributes": [{"key": "http.response.status_code", "value": {"intValue": 200}}],
            "status": {"code": 0}, "someFutureField": {"ignored": True},
        }
    now = time.time_ns()
    body = {"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-client"}}]},
         "scopeSpans": [{"scope": {"name": "hand-made"}, "spans": [span("EEE19B7EC3C1B174", "", 3)]}]},
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-server"}}]},
         "scopeSpans": [{"spans": [span("00F067AA0BA902B7", "eee19b7ec3c1b174", 2)]}]},
    ]}
    request = urllib.request.Request(
        f"http://{http}/v1/traces", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        answer = json.loads(response.read() or b"{}")
        assert response.status == 200 and not answer.get("partialSuccess"), answer


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
    db = provider("py-db-service", http())
    database(db)
    # gzip on both transports for this pair.
    producer = provider("py-producer", GrpcExporter(endpoint=f"http://{args.grpc}", insecure=True, compression=grpc_lib.Compression.Gzip))
    consumer = provider("py-consumer", HttpExporter(endpoint=f"http://{args.http}/v1/traces", compression=HttpCompression.Gzip))
    queue(producer, consumer, 4)
    payments = provider("py-payments", grpc())
    external(payments, 2)
    late_client, late_server = provider("py-late-client", grpc()), provider("py-late-server", http())
    late(late_client, late_server, 2)
    hand_made_json(args.http)
    for p in providers + [db, producer, consumer, payments, late_client, late_server]:
        p.shutdown()  # flushes


if __name__ == "__main__":
    main()
