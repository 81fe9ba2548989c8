"""Calls of an API's operations, sent with the real OpenTelemetry Python SDK
over OTLP/HTTP (tests/it/apis.rs checks coverage and consumers against it).

  shop-web    -> orders-service  GET /orders/:id          3 calls, 1 error
  shop-web    -> orders-service  POST /orders             2 calls
  shop-mobile -> orders-service  GET /orders/:id          1 call
  shop-mobile -> orders-service  GET /orders/:id/history  2 calls (not documented)
  (nobody)    -> orders-service  GET /health              1 request (an entry point)

The server names its routes Express-style (`/orders/:id`); the document
writes `/orders/{orderId}`.
"""
import argparse

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator


def provider(service, endpoint):
    p = TracerProvider(resource=Resource.create({"service.name": service}))
    p.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return p


def call(client, server, method, route, fail=False):
    propagator = TraceContextTextMapPropagator()
    with client.get_tracer("api-test").start_as_current_span(
        f"{method}", kind=SpanKind.CLIENT, attributes={"http.request.method": method, "server.address": "orders"}
    ):
        carrier = {}
        propagator.inject(carrier)
        with server.get_tracer("api-test").start_as_current_span(
            f"{method} {route}", context=propagator.extract(carrier), kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "http.route": route},
        ) as span:
            span.set_attribute("http.response.status_code", 500 if fail else 200)
            if fail:
                span.set_status(Status(StatusCode.ERROR))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True, help="host:port of the OTLP/HTTP receiver")
    endpoint = f"http://{parser.parse_args().http}/v1/traces"
    web, mobile, orders = (provider(name, endpoint) for name in ("shop-web", "shop-mobile", "orders-service"))
    for i in range(3):
        call(web, orders, "GET", "/orders/:id", fail=(i == 0))
    for _ in range(2):
        call(web, orders, "POST", "/orders")
    call(mobile, orders, "GET", "/orders/:id")
    for _ in range(2):
        call(mobile, orders, "GET", "/orders/:id/history")
    with orders.get_tracer("api-test").start_as_current_span(
        "GET /health", kind=SpanKind.SERVER, attributes={"http.request.method": "GET", "http.route": "/health"}
    ):
        pass
    for p in (web, mobile, orders):
        p.shutdown()


if __name__ == "__main__":
    main()
