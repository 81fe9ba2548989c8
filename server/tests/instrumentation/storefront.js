// storefront: an Express service instrumented only by OpenTelemetry's own
// Node libraries (sdk-node with the http, Express and pg instrumentations),
// exporting OTLP/gRPC. Its packages come from NODE_PATH: node/ (the 0.223
// line) or node-legacy/ (the 0.57 line).
//
//   GET /shop/:id   a pg query, then GET /orders/:id on the orders service;
//                   answers with orders' status
//
// Semantic conventions follow OTEL_SEMCONV_STABILITY_OPT_IN (unset: the
// conventions before 1.20). Prints `ready PORT` once serving; SIGTERM
// flushes every span, then exits.
'use strict';

const { parseArgs } = require('node:util');
const fs = require('node:fs');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg');
const resources = require('@opentelemetry/resources');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const { values: args } = parseArgs({
  options: {
    'otlp-grpc': { type: 'string' },
    orders: { type: 'string' },
    postgres: { type: 'string' },
    record: { type: 'string', default: '' },
    // Keep this share of traces with the SDK's composable samplers (the
    // 0.223 line), ids from a seeded generator: the same traces every run.
    sample: { type: 'string', default: '' },
    seed: { type: 'string', default: '28' },
  },
});

// Beside each export, the OTLP/JSON the SDK's own serializer makes of it
// (the conformance fixtures of collector/tests/instrumentation/).
class RecordingExporter {
  constructor(inner, path) {
    this.inner = inner;
    this.path = path;
  }
  export(spans, done) {
    if (this.path) {
      const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)).toString('utf8');
      fs.appendFileSync(this.path, json + '\n');
    }
    this.inner.export(spans, done);
  }
  shutdown() {
    return this.inner.shutdown();
  }
  forceFlush() {
    return this.inner.forceFlush();
  }
}

// resources 2.x builds from attributes; 1.x (the legacy line) has a class.
function resource(attributes) {
  return resources.resourceFromAttributes ? resources.resourceFromAttributes(attributes) : new resources.Resource(attributes);
}

const { SeededIds } = require('./seeded_ids');

function sampling() {
  if (!args.sample) return {};
  const composite = require('@opentelemetry/sampler-composite');
  const probability = composite.createComposableProbabilitySampler(Number(args.sample));
  return {
    sampler: composite.createCompositeSampler(composite.createComposableParentThresholdSampler(probability)),
    idGenerator: new SeededIds(args.seed),
  };
}

const exporter = new OTLPTraceExporter({ url: `http://${args['otlp-grpc']}` });
const sdk = new NodeSDK({
  resource: resource({ 'service.name': 'storefront', 'service.version': '2.0.1' }),
  spanProcessors: [new BatchSpanProcessor(new RecordingExporter(exporter, args.record), { scheduledDelayMillis: 200 })],
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation(), new PgInstrumentation()],
  ...sampling(),
});
sdk.start();

// Required after the SDK started, so the instrumentations patch them.
const http = require('node:http');
const express = require('express');
const { Client } = require('pg');

const app = express();
app.get('/shop/:id', async (req, res) => {
  try {
    const db = new Client({ connectionString: args.postgres });
    await db.connect();
    await db.query('SELECT $1::int AS id', [Number(req.params.id)]);
    await db.end();
    const status = await new Promise((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${args.orders}/orders/${req.params.id}`, (answer) => {
          answer.resume();
          answer.on('end', () => resolve(answer.statusCode));
        })
        .on('error', reject);
    });
    res.status(status).json({ id: Number(req.params.id), orders: status });
  } catch (error) {
    res.status(502).json({ error: String(error) });
  }
});

const server = app.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
process.on('SIGTERM', () => {
  server.close();
  sdk.shutdown().finally(() => process.exit(0));
});
