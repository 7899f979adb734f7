import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextFrom, SpanKind, tracer } from '../observability/propagation';

/**
 * One SERVER span per request, made in Fastify's hooks: named by route pattern, child of the caller's `traceparent`,
 * and active while the route's handler runs (so the outbox rows it writes carry it). Made here rather than by
 * `@opentelemetry/instrumentation-http`, which cost about a fifth of the order service's intake in the saga
 * benchmark (docs/benchmarks.md) for attributes and wrappers the services do not need.
 */
export function traceRequests(fastify: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, ReturnType<ReturnType<typeof tracer>['startSpan']>>();
  fastify.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    // Unmatched routes, probes and scrapes stay untraced: they would drown the sagas.
    if (!route || /^\/(health|metrics)/.test(route)) return done();
    const parent = contextFrom(req.headers as Record<string, string | undefined>);
    const span = tracer().startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'http.route': route,
          'url.path': req.url.split('?')[0]!,
        },
      },
      parent,
    );
    spans.set(req, span);
    // Everything Fastify runs after this hook (handler, serialisation) inherits the span's context.
    context.with(trace.setSpan(parent, span), done);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const span = spans.get(req);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
