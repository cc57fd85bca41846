import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The operator's own metrics, created once per registry (several controllers share one). */
export interface KubeMetrics {
  workqueueDepth: Gauge<'name'>;
  workqueueAdds: Counter<'name'>;
  workqueueRetries: Counter<'name'>;
  workqueueWaitSeconds: Histogram<'name'>;
  workqueueWorkSeconds: Histogram<'name'>;
  reconciles: Counter<'controller' | 'result'>;
  reconcileSeconds: Histogram<'controller'>;
  apiRequests: Counter<'method' | 'code'>;
  leader: Gauge<'lease'>;
}

const perRegistry = new WeakMap<Registry, KubeMetrics>();
const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function kubeMetrics(registry: Registry): KubeMetrics {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const m: KubeMetrics = {
    workqueueDepth: new Gauge({ name: 'sluice_operator_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['name'], registers }),
    workqueueAdds: new Counter({ name: 'sluice_operator_workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['name'], registers }),
    workqueueRetries: new Counter({
      name: 'sluice_operator_workqueue_retries_total',
      help: 'Keys re-queued with backoff after a failed reconcile.',
      labelNames: ['name'],
      registers,
    }),
    workqueueWaitSeconds: new Histogram({
      name: 'sluice_operator_workqueue_wait_seconds',
      help: 'How long a key waited in the queue before a worker took it.',
      labelNames: ['name'],
      buckets: SECONDS,
      registers,
    }),
    workqueueWorkSeconds: new Histogram({
      name: 'sluice_operator_workqueue_work_duration_seconds',
      help: 'How long processing one key took.',
      labelNames: ['name'],
      buckets: SECONDS,
      registers,
    }),
    reconciles: new Counter({
      name: 'sluice_operator_reconciles_total',
      help: 'Reconciles by controller and result (success, requeue, error, terminal).',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileSeconds: new Histogram({
      name: 'sluice_operator_reconcile_duration_seconds',
      help: 'Duration of one reconcile.',
      labelNames: ['controller'],
      buckets: SECONDS,
      registers,
    }),
    apiRequests: new Counter({
      name: 'sluice_operator_api_requests_total',
      help: 'Requests to the Kubernetes API by method and status code (0: no answer).',
      labelNames: ['method', 'code'],
      registers,
    }),
    leader: new Gauge({ name: 'sluice_operator_leader', help: '1 while this instance holds the lease.', labelNames: ['lease'], registers }),
  };
  perRegistry.set(registry, m);
  return m;
}
