import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric the runtime exports, in one registry per process. Label values
 * that come from users (event names) are bounded by the caller: events outside the
 * tracking plan are labelled "(unplanned)".
 */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'sluice_process_' });

  const m = {
    registry,
    ingestRequests: new Counter({
      name: 'sluice_ingest_requests_total',
      help: 'HTTP requests to the ingest endpoint by source, endpoint and status code.',
      labelNames: ['source', 'endpoint', 'code'] as const,
      registers: [registry],
    }),
    ingestRequestSeconds: new Histogram({
      name: 'sluice_ingest_request_duration_seconds',
      help: 'Time to answer an ingest request, including the durable write.',
      labelNames: ['endpoint'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ingestEvents: new Counter({
      name: 'sluice_ingest_events_total',
      help: 'Events by source and outcome (received, accepted, blocked, rejected) and reason.',
      labelNames: ['source', 'outcome', 'reason'] as const,
      registers: [registry],
    }),
    violations: new Counter({
      name: 'sluice_violations_total',
      help: 'Tracking-plan violations by source, event and kind.',
      labelNames: ['source', 'event', 'kind'] as const,
      registers: [registry],
    }),
    deliveryEvents: new Counter({
      name: 'sluice_delivery_events_total',
      help: 'Events by destination and result (delivered, filtered, failed, retrying, dead_lettered) and reason.',
      labelNames: ['destination', 'result', 'reason'] as const,
      registers: [registry],
    }),
    deliverySeconds: new Histogram({
      name: 'sluice_delivery_request_duration_seconds',
      help: 'Latency of requests to the destination.',
      labelNames: ['destination'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'sluice_delivery_queue_depth',
      help: 'Events on the bus not yet delivered, per destination.',
      labelNames: ['destination'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
