"""orders: a Flask service instrumented only by OpenTelemetry's own Python
libraries (Flask, requests, sqlite3, psycopg), exporting OTLP/HTTP.

  GET /orders/<int:id>   a sqlite3 lookup in its own file and a psycopg query
                         on PostgreSQL, then 500 for 13, 404 above 100; every
                         fifth id asks the uninstrumented rates host through
                         `requests`

Its sampler is the SDK's default (parent-based): sampled traffic keeps its
caller's decision, and the threshold in the tracestate with it.

The rates host is a plain http.server in this process: nothing traces it,
so its calls are what Meridian must show as an external node.

Semantic conventions follow OTEL_SEMCONV_STABILITY_OPT_IN (unset: the
HTTP and database conventions before 1.20). Prints `ready PORT` once
serving; SIGTERM flushes every span, then exits.
"""
import argparse
import http.server
import signal
import sqlite3
import sys
import threading

import psycopg
import requests
from flask import Flask, abort, jsonify
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from werkzeug.serving import make_server

from recording import RecordingExporter


class Rates(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"EUR": 0.92}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--otlp-http", required=True, help="host:port of the OTLP/HTTP receiver")
    parser.add_argument("--postgres", required=True, help="a PostgreSQL connection URL")
    parser.add_argument("--sqlite", required=True, help="this service's SQLite file")
    parser.add_argument("--record", default="", help="append the OTLP/JSON of every export here")
    args = parser.parse_args()

    provider = TracerProvider(resource=Resource.create({"service.name": "orders", "service.version": "1.4.0"}))
    exporter = OTLPSpanExporter(endpoint=f"http://{args.otlp_http}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(RecordingExporter(exporter, args.record), schedule_delay_millis=200))
    trace.set_tracer_provider(provider)
    RequestsInstrumentor().instrument()
    SQLite3Instrumentor().instrument()
    PsycopgInstrumentor().instrument()

    with sqlite3.connect(args.sqlite) as db:
        db.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, total REAL)")
        db.executemany("INSERT OR REPLACE INTO orders VALUES (?, ?)", [(i, i * 1.5) for i in range(1, 101)])

    rates = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Rates)
    threading.Thread(target=rates.serve_forever, daemon=True).start()
    rates_url = f"http://localhost:{rates.server_port}/rates/EUR"

    app = Flask("orders")
    FlaskInstrumentor().instrument_app(app)

    @app.get("/orders/<int:order_id>")
    def order(order_id):
        with sqlite3.connect(args.sqlite) as db:
            # Through a cursor: the instrumentation traces cursors, not
            # the connection's execute shortcut.
            row = db.cursor().execute("SELECT total FROM orders WHERE id = ?", (order_id,)).fetchone()
        with psycopg.connect(args.postgres) as pg:
            pg.execute("SELECT %s::int", (order_id,)).fetchone()
        if order_id == 13:
            raise RuntimeError("order 13 is cursed")
        if row is None:
            abort(404)
        answer = {"id": order_id, "total": row[0]}
        if order_id % 5 == 0:
            answer["eur"] = requests.get(rates_url, timeout=5).json()["EUR"]
        return jsonify(answer)

    server = make_server("127.0.0.1", 0, app, threaded=True)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"ready {server.server_port}", flush=True)
    server.serve_forever()
    provider.shutdown()
    rates.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
