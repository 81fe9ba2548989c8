"""Sends a small shop's traces with the real OpenTelemetry Python SDK to one
Meridian, or to several as a load balancer in front of replicas would:

  --route trace  each trace whole to one replica (trace id modulo their
                 number), as the OpenTelemetry Collector's loadbalancing
                 exporter does with `routing_key: traceID`;
  --route span   spans scattered by span id, as a plain round-robin balancer
                 does: a call's two halves often reach different replicas.

The shop, 40 requests (each service its own TracerProvider; context carried
by W3C traceparent):

  user -> split-frontend -> split-checkout -> split-payments (every 4th fails, 500)
                                           -> database `split-orders` (PostgreSQL)

split-frontend runs version 1.0.0 for the first 20 requests and 2.0.0 after
(its spans of 1.0.0 are exported before 2.0.0 starts): one deploy.

  python send_split.py --http 127.0.0.1:4318 --http 127.0.0.1:5318 --route trace
"""
import argparse

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

REQUESTS = 40


class Routed(SpanExporter):
    """One OTLP exporter per replica; each span goes to one of them."""

    def __init__(self, endpoints, route):
        self.exporters = [OTLPSpanExporter(endpoint=f"http://{e}/v1/traces") for e in endpoints]
        self.route = route

    def export(self, spans):
        parts = [[] for _ in self.exporters]
        for span in spans:
            key = span.context.trace_id if self.route == "trace" else span.context.span_id
            parts[key % len(parts)].append(span)
        results = [exporter.export(part) for exporter, part in zip(self.exporters, parts) if part]
        ok = all(result == SpanExportResult.SUCCESS for result in results)
        return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def force_flush(self, timeout_millis=30000):
        return all(exporter.force_flush(timeout_millis) for exporter in self.exporters)

    def shutdown(self):
        for exporter in self.exporters:
            exporter.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", action="append", required=True, help="host:port of a replica's OTLP/HTTP (repeat)")
    parser.add_argument("--route", choices=["trace", "span"], default="trace")
    args = parser.parse_args()

    def provider(service, version="1.0.0"):
        p = TracerProvider(resource=Resource.create({"service.name": service, "service.version": version}))
        p.add_span_processor(BatchSpanProcessor(Routed(args.http, args.route)))
        return p

    frontends = [provider("split-frontend", "1.0.0"), provider("split-frontend", "2.0.0")]
    checkout, payments = provider("split-checkout"), provider("split-payments")
    propagator = TraceContextTextMapPropagator()
    http = {"http.request.method": "POST"}
    for i in range(REQUESTS):
        frontend = frontends[0 if i < REQUESTS // 2 else 1]
        if i == REQUESTS // 2:
            frontends[0].force_flush()
        f = frontend.get_tracer("split")
        with f.start_as_current_span("POST /buy", kind=SpanKind.SERVER, attributes={**http, "http.route": "/buy"}):
            with f.start_as_current_span("POST", kind=SpanKind.CLIENT, attributes=http):
                carrier = {}
                propagator.inject(carrier)
                c = checkout.get_tracer("split")
                with c.start_as_current_span(
                    "POST /checkout", context=propagator.extract(carrier), kind=SpanKind.SERVER,
                    attributes={**http, "http.route": "/checkout", "http.response.status_code": 200},
                ):
                    with c.start_as_current_span(
                        "INSERT orders", kind=SpanKind.CLIENT,
                        attributes={"db.system.name": "postgresql", "db.namespace": "split-orders", "db.operation.name": "INSERT"},
                    ):
                        pass
                    with c.start_as_current_span("POST", kind=SpanKind.CLIENT, attributes=http):
                        carrier = {}
                        propagator.inject(carrier)
                        with payments.get_tracer("split").start_as_current_span(
                            "POST /pay", context=propagator.extract(carrier), kind=SpanKind.SERVER,
                            attributes={**http, "http.route": "/pay"},
                        ) as pay:
                            fails = i % 4 == 3
                            pay.set_attribute("http.response.status_code", 500 if fails else 200)
                            if fails:
                                pay.set_status(Status(StatusCode.ERROR))
    for p in frontends + [checkout, payments]:
        p.shutdown()  # flushes


if __name__ == "__main__":
    main()
