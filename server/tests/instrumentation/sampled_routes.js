// Sampled traffic as the Node SDK's composable samplers keep it
// (@opentelemetry/sampler-composite on the 0.223 line; run with
// NODE_PATH=node/node_modules).
//
// Three services, each with its own tracer provider (as its own process
// would have), exporting OTLP/gRPC; a call carries its context (traceparent
// and tracestate, the sampling threshold with it) from caller to callee
// through the W3C propagator, exactly as an instrumented HTTP hop does.
//
//   frontend  roots sampled by route: GET /browse kept at 50 %, GET /search at 5 %
//     -> backend   follows its caller's threshold (ParentThreshold)
//          GET /items (from /browse): every tenth answers 500
//          GET /search:               every twentieth answers 500
//          -> ledger (from /items only) samples 2 % of traces on its own:
//             less than its caller, as the specification allows
//
// --requests per route (20,000 by default). Ids come from a seeded
// generator, so the kept traces, and so the estimates, are the same on
// every run. Prints the truth it sent as JSON on its last line.
'use strict';

const { parseArgs } = require('node:util');
const api = require('@opentelemetry/api');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const {
  createCompositeSampler,
  createComposableParentThresholdSampler,
  createComposableProbabilitySampler,
  createComposableRuleBasedSampler,
} = require('@opentelemetry/sampler-composite');

const { values: args } = parseArgs({
  options: {
    'otlp-grpc': { type: 'string' },
    requests: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '28' },
  },
});
const REQUESTS = Number(args.requests);
const ROUTES = { '/browse': ['/items', 0.5, 10], '/search': ['/search', 0.05, 20] };
const LEDGER_PROBABILITY = 0.02;

const { SeededIds } = require('./seeded_ids');

const ids = new SeededIds(args.seed);
const exporter = new OTLPTraceExporter({ url: `http://${args['otlp-grpc']}` });
function provider(service, sampler) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    sampler,
    idGenerator: ids,
    // A queue that holds a whole run: nothing is dropped for being fast.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 200000, maxExportBatchSize: 2000, scheduledDelayMillis: 200 })],
  });
}

const byRoute = createComposableRuleBasedSampler(
  Object.entries(ROUTES).map(([route, [, probability]]) => [
    (_context, _traceId, _name, _kind, attributes) => attributes?.['http.route'] === route,
    createComposableProbabilitySampler(probability),
  ]),
);
const providers = {
  // Roots by route; a root's children (its CLIENT spans) follow it.
  frontend: provider('frontend', createCompositeSampler(createComposableParentThresholdSampler(byRoute))),
  backend: provider('backend', createCompositeSampler(createComposableParentThresholdSampler(createComposableProbabilitySampler(1)))),
  ledger: provider('ledger', createCompositeSampler(createComposableProbabilitySampler(LEDGER_PROBABILITY))),
};
const tracers = Object.fromEntries(Object.entries(providers).map(([name, p]) => [name, p.getTracer('meridian-conformance')]));
const propagator = new W3CTraceContextPropagator();

function serve(service, route, context, status, downstream) {
  const span = tracers[service].startSpan(
    `GET ${route}`,
    { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': route } },
    context,
  );
  if (downstream) downstream(api.trace.setSpan(context, span));
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
  span.end();
  return status;
}

function call(service, context, server, port, handle) {
  const span = tracers[service].startSpan(
    'GET',
    { kind: api.SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'server.address': server, 'server.port': port } },
    context,
  );
  const carrier = {};
  propagator.inject(api.trace.setSpan(context, span), carrier, api.defaultTextMapSetter);
  const status = handle(propagator.extract(api.ROOT_CONTEXT, carrier, api.defaultTextMapGetter));
  span.setAttribute('http.response.status_code', status);
  if (status >= 400) span.setStatus({ code: api.SpanStatusCode.ERROR });
  span.end();
  return status;
}

async function main() {
  const truth = { requests: {}, errors: {}, ledger: 0 };
  for (const [route, [backendRoute, , failEvery]] of Object.entries(ROUTES)) {
    let errors = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const status = i % failEvery === 3 ? 500 : 200;
      if (status === 500) errors++;
      const ledger = route === '/browse'
        ? (context) => {
            truth.ledger++;
            call('backend', context, 'ledger', 7000, (ctx) => serve('ledger', '/entries', ctx, 200));
          }
        : undefined;
      serve('frontend', route, api.ROOT_CONTEXT, 200, (context) =>
        call('frontend', context, 'backend', 8080, (ctx) => serve('backend', backendRoute, ctx, status, ledger)),
      );
    }
    truth.requests[backendRoute] = REQUESTS;
    truth.errors[backendRoute] = errors;
  }
  for (const p of Object.values(providers)) {
    await p.forceFlush();
  }
  for (const p of Object.values(providers)) {
    await p.shutdown();
  }
  console.log(JSON.stringify(truth));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
