"""An exporter that keeps, beside each export, the OTLP/JSON of what it sends.

It encodes each batch with the SDK's own OTLP encoder (the function the
OTLP exporters call), writes it as one line of OTLP/JSON (hex ids,
integer enums, 64-bit integers as strings), then hands the batch to the
real exporter. The lines are the conformance fixtures of
collector/tests/instrumentation/.
"""
import base64
import json
import threading

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace.export import SpanExporter

ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def _hex_ids(value):
    """protobuf's JSON writes bytes as base64; OTLP/JSON writes ids as hex."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key in ID_FIELDS and isinstance(child, str):
                value[key] = base64.b64decode(child).hex()
            else:
                _hex_ids(child)
    elif isinstance(value, list):
        for child in value:
            _hex_ids(child)
    return value


def otlp_json(spans):
    request = encode_spans(spans)
    return json.dumps(_hex_ids(MessageToDict(request, use_integers_for_enums=True)), separators=(",", ":"))


class RecordingExporter(SpanExporter):
    def __init__(self, inner, path):
        self._inner = inner
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans):
        if self._path:
            line = otlp_json(spans)
            with self._lock, open(self._path, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        return self._inner.export(spans)

    def shutdown(self):
        return self._inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return self._inner.force_flush(timeout_millis)
