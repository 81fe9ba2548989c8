"""Sampled traffic as the Python SDK's composable samplers keep it.

Three services, each with its own TracerProvider (as its own process would
have), exporting OTLP/HTTP; a call carries its context (traceparent and
tracestate, the sampling threshold with it) from caller to callee through
the W3C propagator, exactly as an instrumented HTTP hop does.

  frontend  roots sampled by route: GET /browse kept at 50 %, GET /search at 5 %
    -> backend   follows its caller's threshold (ParentThreshold)
         GET /items (from /browse): every tenth answers 500
         GET /search:               every twentieth answers 500
         -> ledger (from /items only) samples 2 % of traces on its own:
            less than its caller, as the specification allows

`--requests` per route (20,000 by default). Ids come from a seeded
generator, so the kept traces, and so the estimates, are the same on every
run. Prints the truth it sent as JSON on its last line.
"""
import argparse
import json
import random

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace._sampling_experimental import (
    composable_always_on,
    composable_parent_threshold,
    composable_rule_based,
    composable_traceid_ratio_based,
    composite_sampler,
)
from opentelemetry.sdk.trace._sampling_experimental._rule_based import AttributeValuesPredicate
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

ROUTES = {"/browse": ("/items", 0.5, 10), "/search": ("/search", 0.05, 20)}
LEDGER_PROBABILITY = 0.02


class SeededIds(IdGenerator):
    def __init__(self, seed):
        self._random = random.Random(seed)

    def generate_span_id(self):
        return self._random.getrandbits(64) or 1

    def generate_trace_id(self):
        return self._random.getrandbits(128) or 1


def provider(service, sampler, ids, endpoint):
    p = TracerProvider(resource=Resource.create({"service.name": service}), sampler=sampler, id_generator=ids)
    # A queue that holds a whole run: nothing is dropped for being fast.
    p.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint), max_queue_size=200_000, max_export_batch_size=2_000, schedule_delay_millis=200)
    )
    return p


def http_attributes(route, status=None):
    attributes = {"http.request.method": "GET", "http.route": route}
    if status is not None:
        attributes["http.response.status_code"] = status
    return attributes


def call(tracer, propagator, server, port, handle):
    """A CLIENT span, its context carried to `handle`, the status it got."""
    with tracer.start_as_current_span(
        "GET", kind=SpanKind.CLIENT, attributes={"http.request.method": "GET", "server.address": server, "server.port": port}
    ) as client:
        carrier = {}
        propagator.inject(carrier)
        status = handle(propagator.extract(carrier))
        client.set_attribute("http.response.status_code", status)
        if status >= 400:
            client.set_status(Status(StatusCode.ERROR))
        return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--otlp-http", required=True)
    parser.add_argument("--requests", type=int, default=20_000, help="per route")
    parser.add_argument("--seed", type=int, default=28)
    args = parser.parse_args()
    endpoint = f"http://{args.otlp_http}/v1/traces"
    ids = SeededIds(args.seed)
    by_route = composable_rule_based(
        [(AttributeValuesPredicate("http.route", [route]), composable_traceid_ratio_based(p)) for route, (_, p, _) in ROUTES.items()]
    )
    # Roots by route; a root's children (its CLIENT spans) follow it.
    frontend = provider("frontend", composite_sampler(composable_parent_threshold(by_route)), ids, endpoint)
    backend = provider("backend", composite_sampler(composable_parent_threshold(composable_always_on())), ids, endpoint)
    ledger = provider("ledger", composite_sampler(composable_traceid_ratio_based(LEDGER_PROBABILITY)), ids, endpoint)
    tracers = {name: p.get_tracer("meridian-conformance") for name, p in [("frontend", frontend), ("backend", backend), ("ledger", ledger)]}
    propagator = TraceContextTextMapPropagator()

    def serve(service, route, context, status, downstream=None):
        with tracers[service].start_as_current_span(
            f"GET {route}", context=context, kind=SpanKind.SERVER, attributes=http_attributes(route)
        ) as span:
            if downstream:
                downstream()
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return status

    truth = {"requests": {}, "errors": {}, "ledger": 0}
    for route, (backend_route, _, fail_every) in ROUTES.items():
        errors = 0
        for i in range(args.requests):
            status = 500 if i % fail_every == 3 else 200
            errors += status == 500

            def ledger_call():
                call(tracers["backend"], propagator, "ledger", 7000, lambda ctx: serve("ledger", "/entries", ctx, 200))

            downstream = ledger_call if route == "/browse" else None
            if downstream:
                truth["ledger"] += 1

            def backend_call(ctx, status=status, downstream=downstream, backend_route=backend_route):
                return serve("backend", backend_route, ctx, status, downstream)

            def front(ctx, route=route):
                return call(tracers["frontend"], propagator, "backend", 8080, backend_call)

            serve("frontend", route, None, 200, lambda: front(None))
        truth["requests"][backend_route] = args.requests
        truth["errors"][backend_route] = errors
    for p in (frontend, backend, ledger):
        p.force_flush()
        p.shutdown()
    print(json.dumps(truth))


if __name__ == "__main__":
    main()
