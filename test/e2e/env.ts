// The whole cluster data plane on this machine, for end-to-end tests: a real control plane
// with kube-controller-manager and the CRDs, a real nats-server with JetStream, the operator
// as its own process (`sluice operator`), and the pod runner running the Pods the operator
// creates (`sluice ingest`, `sluice deliver`) as local processes from their exact spec.
import { join } from 'node:path';
import { jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Destination, Source, TrackingPlan } from '../../operator/src/api/index.ts';
import { NATS_DEFAULTS } from '../../runtime/src/bus/nats/decide.ts';
import { openNatsBus } from '../../runtime/src/bus/nats/index.ts';
import { Names, token } from '../../runtime/src/bus/nats/names.ts';
import type { Bus } from '../../runtime/src/bus/types.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';
import { REPO_ROOT, spawnOperator, startOperatorEnv, type OperatorEnv, type OperatorProcess } from '../operator/env.ts';
import { waitFor } from '../support/wait.ts';
import { startPodRunner, type PodProcess, type PodRunner } from './runner/index.ts';

export { REPO_ROOT };

const CLI = join(REPO_ROOT, 'runtime/src/cli/main.ts');
export const RUNTIME_IMAGE = 'sluice:test';

export interface E2E extends OperatorEnv {
  nats: NatsServer;
  operator: OperatorProcess;
  runner: PodRunner;
  /** Ready ingest pods of a Source: "http://127.0.0.1:<port>" each, in pod-name order. */
  ingestUrls(ns: string, source: string, replicas: number, timeoutMs?: number): Promise<string[]>;
  /** Waits for `replicas` ready delivery pods of a Destination. */
  deliverPods(ns: string, destination: string, replicas: number, timeoutMs?: number): Promise<PodProcess[]>;
  /** A Source, Destination or TrackingPlan once `ready` says it is what the test wants. */
  waitStatus<T extends Source | Destination | TrackingPlan>(ns: string, what: string, ready: (o: T) => boolean, opts?: { timeoutMs?: number; describe?: string }): Promise<T>;
  /**
   * Waits until the delivery pods of `destination` have their durable consumer on each Source
   * stream: from then on a `startFrom: now` Destination gets every event accepted.
   */
  waitForConsumers(ns: string, destination: string, sources: string[], timeoutMs?: number): Promise<void>;
  /** A delivery consumer's backlog on NATS: events not yet handed out, and handed out but not acked. */
  consumerBacklog(ns: string, destination: string, source: string): Promise<{ pending: number; ackPending: number; redelivered: number }>;
  /** A client of the same NATS server for one namespace's names, for what only the bus shows (quarantine, dead letters). */
  bus(ns: string): Promise<Bus>;
  /** Recent lines of the operator, the pod runner and each runtime pod, for failure messages. */
  diagnostics(): string;
  stop(): Promise<void>;
}

const labels = (instance: string, component: 'ingest' | 'deliver') => ({
  'app.kubernetes.io/instance': instance,
  'app.kubernetes.io/component': component,
});

export async function startE2E(): Promise<E2E> {
  const nats = await startNatsServer();
  const stops: Array<() => Promise<unknown>> = [() => nats.close()];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const env = await startOperatorEnv();
    stops.push(() => env.stop());
    const runnerLog: string[] = [];
    const runner = await startPodRunner({
      kubeconfig: env.cp.kubeconfig,
      imageMap: (image) =>
        image.startsWith('sluice:') ? { entrypoint: [process.execPath, CLI], binaries: { node: process.execPath }, cwd: REPO_ROOT } : undefined,
      // Quick restarts: the fault scenarios kill processes and wait for them to come back.
      restartBackoff: { initialMs: 300, maxMs: 2_000, resetAfterMs: 10_000 },
      maxGraceMs: 10_000,
      log: (l) => {
        runnerLog.push(`${new Date().toISOString()} ${l}`);
        if (runnerLog.length > 300) runnerLog.splice(0, runnerLog.length - 300);
      },
    });
    stops.push(() => runner.stop());
    const operator = await spawnOperator(env.cp.kubeconfig, 'e2e', [`--bus-url=${nats.url}`, `--nats-url=${nats.url}`, '--leader-elect=false', '--log-level=warn', `--runtime-image=${RUNTIME_IMAGE}`]);
    stops.push(() => operator.stop());
    const buses: Bus[] = [];
    stops.push(async () => Promise.all(buses.map((b) => b.close().catch(() => undefined))));

    const consumerInfo = async (ns: string, destination: string, source: string): Promise<ConsumerInfo | undefined> => {
      const names = new Names(NATS_DEFAULTS.prefix, ns);
      const nc = await connect({ servers: nats.url, name: 'sluice-e2e-consumers', reconnect: false });
      try {
        const jsm = await jetstreamManager(nc);
        return await jsm.consumers.info(names.sourceStream(token(source)), names.consumer(token(destination), token(source))).catch(() => undefined);
      } finally {
        await nc.close();
      }
    };

    const diagnostics = (): string => {
      const pods = runner.processes().map((p) => {
        let logs = '';
        try {
          logs = runner.logs(p.name, { namespace: p.namespace }).split('\n').slice(-15).join('\n');
        } catch {
          /* not started */
        }
        return `--- pod ${p.namespace}/${p.name} (${p.phase}${p.ready ? ', ready' : ''}, restarts ${p.containers[0]?.restartCount ?? 0}) ---\n${logs}`;
      });
      return [`--- operator ---\n${operator.output().split('\n').slice(-20).join('\n')}`, `--- pod runner ---\n${runnerLog.slice(-20).join('\n')}`, ...pods].join('\n');
    };

    return {
      ...env,
      nats,
      operator,
      runner,
      async ingestUrls(ns, source, replicas, timeoutMs = 90_000) {
        const pods = await runner.waitForPods(labels(source, 'ingest'), replicas, { namespace: ns, timeoutMs });
        return pods.map((p) => `http://${runner.endpoint(p.name, 'http', { namespace: ns })}`).sort();
      },
      deliverPods: (ns, destination, replicas, timeoutMs = 90_000) => runner.waitForPods(labels(destination, 'deliver'), replicas, { namespace: ns, timeoutMs }),
      async waitStatus<T extends Source | Destination | TrackingPlan>(ns: string, what: string, ready: (o: T) => boolean, o: { timeoutMs?: number; describe?: string } = {}) {
        let last: T | undefined;
        return waitFor(
          async () => {
            last = await env.get<T>(ns, what);
            return last !== undefined && ready(last) && last;
          },
          { timeoutMs: o.timeoutMs ?? 30_000, intervalMs: 500, what: `${what} status: ${o.describe ?? 'as expected'}`, detail: () => JSON.stringify(last?.status ?? null) },
        );
      },
      async waitForConsumers(ns, destination, sources, timeoutMs = 30_000) {
        let last: string[] = sources;
        const missing = async () => {
          const out: string[] = [];
          for (const s of sources) if (!(await consumerInfo(ns, destination, s))) out.push(s);
          return out;
        };
        await waitFor(async () => (last = await missing()).length === 0, {
          timeoutMs,
          intervalMs: 200,
          what: `consumers of destination ${destination}`,
          detail: () => `missing for sources ${last.join(', ')}`,
        });
      },
      async consumerBacklog(ns, destination, source) {
        const info = await consumerInfo(ns, destination, source);
        if (!info) throw new Error(`reading consumer ${destination}/${source} in ${ns}: not found`);
        return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
      },
      async bus(ns) {
        const b = await openNatsBus({ servers: [nats.url], name: 'sluice-e2e-test', namespace: ns });
        buses.push(b);
        return b;
      },
      diagnostics,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
