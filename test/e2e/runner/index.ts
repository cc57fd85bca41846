// A test-only kubelet: it runs the Pods of a real control plane as local processes, so an
// end-to-end test exercises exactly the Pod spec the operator writes (command, args, env,
// mounted ConfigMaps and Secrets, probes, restarts, rollouts). See test/e2e/README.md for the
// choices: its own Node instead of kwok, binding Pods itself, path and port rewriting.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../controlplane/index.ts';
import {
  Informer,
  KubeClient,
  isConflict,
  isNotFound,
  loadClusterConfig,
  objectKey,
  resourcePath,
  Resources,
  type Pod,
} from '../../../operator/src/kube/index.ts';
import type { Lookups } from './env.ts';
import { guard as processGuard } from './guard.ts';
import { registerNode } from './node.ts';
import { DEFAULT_BACKOFF, matchesSelector, parseSelector } from './policy.ts';
import { PodRun } from './pod.ts';
import type { PodProcess, PodRef, PodRunner, PodRunnerOptions, Selector } from './types.ts';

export type * from './types.ts';
export { RUNNER_NODE_LABEL } from './node.ts';

const MAX_LOG_BYTES = 4 * 1024 * 1024;
const STOP_GRACE_MS = 5_000;

export async function startPodRunner(opts: PodRunnerOptions): Promise<PodRunner> {
  const log = opts.log ?? (() => {});
  const nodeName = opts.nodeName ?? 'sluice-pod-runner';
  const bind = opts.bind ?? true;
  const client = new KubeClient(loadClusterConfig({ path: opts.kubeconfig }));
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pods-'));
  const guard = processGuard(dir);
  const informerOpts = { ...(opts.namespace ? { namespace: opts.namespace } : {}), resyncMs: 0 };
  const configMaps = new Informer(client.resource(Resources.configMaps), informerOpts);
  const secrets = new Informer(client.resource(Resources.secrets), informerOpts);
  // Resync re-offers unbound Pods, so a failed binding is tried again.
  const pods = new Informer(client.resource(Resources.pods), { ...informerOpts, resyncMs: 5_000 });
  const lookups: Lookups = {
    configMap: (ns, name) => configMaps.cache.get(objectKey(ns, name)),
    secret: (ns, name) => secrets.cache.get(objectKey(ns, name)),
  };
  const runs = new Map<string, PodRun>();
  const binding = new Set<string>();
  const usedPorts = new Set<number>();
  let stopped = false;
  const deps = {
    client,
    lookups,
    imageMap: opts.imageMap,
    portMap: opts.portMap,
    backoff: opts.restartBackoff ?? DEFAULT_BACKOFF,
    maxGraceMs: opts.maxGraceMs ?? 30_000,
    dir,
    guard,
    log,
    async freePort() {
      for (;;) {
        const p = await freePort();
        if (!usedPorts.has(p)) {
          usedPorts.add(p);
          return p;
        }
      }
    },
  };

  const bindPod = async (pod: Pod): Promise<void> => {
    const uid = pod.metadata.uid ?? '';
    if (binding.has(uid)) return;
    binding.add(uid);
    try {
      await client.transport.json({
        method: 'POST',
        path: resourcePath(Resources.pods, { namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'binding' }),
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        },
      });
    } catch (err) {
      // Conflict: someone (a kube-scheduler) bound it first. Otherwise retry on the next resync.
      binding.delete(uid);
      if (!isConflict(err) && !isNotFound(err) && !stopped) log(`binding pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error).message}`);
    }
  };

  const finishRun = (run: PodRun, deleteFromApi: boolean): void => {
    void run.terminate({ deleteFromApi }).finally(() => {
      runs.delete(run.uid);
      for (const p of run.ports.values()) usedPorts.delete(p);
    });
  };

  const onPod = (pod: Pod): void => {
    if (stopped) return;
    const uid = pod.metadata.uid ?? '';
    const run = runs.get(uid);
    if (run) {
      run.update(pod);
      if (pod.metadata.deletionTimestamp && !run.isTerminating()) finishRun(run, true);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (!pod.spec?.nodeName) {
      if (bind && !pod.metadata.deletionTimestamp) void bindPod(pod);
      return;
    }
    if (pod.spec.nodeName !== nodeName) return;
    if (pod.metadata.deletionTimestamp) {
      // Left over from an earlier runner on this Node: nothing runs, finish the deletion.
      void client.resource(Resources.pods).delete(pod.metadata.name, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid } }).catch(() => {});
      return;
    }
    const fresh = new PodRun(pod, deps);
    runs.set(uid, fresh);
    fresh.start();
  };

  const onPodGone = (pod: Pod): void => {
    const run = runs.get(pod.metadata.uid ?? '');
    if (!run) return;
    run.forget();
    finishRun(run, false);
  };

  const refresh = (): void => {
    for (const r of runs.values()) r.refreshVolumes();
  };

  const node = await registerNode(client, nodeName, log);
  for (const inf of [configMaps, secrets]) inf.addHandlers({ onAdd: refresh, onUpdate: refresh, onDelete: refresh });
  pods.addHandlers({ onAdd: onPod, onUpdate: (_old, pod) => onPod(pod), onDelete: onPodGone });
  configMaps.start();
  secrets.start();
  await Promise.all([configMaps.waitForSync(), secrets.waitForSync()]);
  pods.start();
  await pods.waitForSync();
  log(`pod runner for ${opts.namespace ? `namespace ${opts.namespace}` : 'all namespaces'} on node ${nodeName} in ${dir}`);

  const find = (pod: string, namespace?: string): PodRun => {
    const matches = [...runs.values()].filter((r) => r.name === pod && (namespace === undefined || r.namespace === namespace));
    const live = matches.filter((r) => !r.isTerminating());
    const chosen = live.length > 0 ? live : matches;
    if (chosen.length === 0) throw new Error(`finding pod ${namespace ? `${namespace}/` : ''}${pod}: the runner does not run it`);
    if (chosen.length > 1) throw new Error(`finding pod ${pod}: it exists in several namespaces (${chosen.map((r) => r.namespace).join(', ')}); pass one`);
    return chosen[0]!;
  };

  const runner: PodRunner = {
    nodeName,
    dir,
    processes: () => [...runs.values()].map((r) => r.info()),

    async waitForPods(selector: Selector, n: number, o = {}): Promise<PodProcess[]> {
      const sel = parseSelector(selector);
      const deadline = Date.now() + (o.timeoutMs ?? 120_000);
      for (;;) {
        const matching = runner.processes().filter((p) => matchesSelector(p.labels, sel) && (o.namespace === undefined || p.namespace === o.namespace));
        if (matching.length === n && matching.every((p) => p.ready && !p.terminating && p.phase === 'Running')) return matching;
        if (Date.now() > deadline) {
          const state = matching.map((p) => `${p.name}: ${p.phase}${p.terminating ? ', terminating' : ''}${p.ready ? ', ready' : ''}`).join('; ');
          throw new Error(`waiting for ${n} ready pods matching ${JSON.stringify(sel)}: ${matching.length} after ${o.timeoutMs ?? 120_000} ms (${state || 'none'})`);
        }
        await sleep(200);
      }
    },

    endpoint(pod: string, containerPort: number | string, ref: PodRef = {}): string {
      const run = find(pod, ref.namespace);
      const port = run.hostPort(containerPort, ref.container);
      if (port === undefined) throw new Error(`finding port ${containerPort} of pod ${run.namespace}/${pod}: the pod declares no such port`);
      return `127.0.0.1:${port}`;
    },

    async serviceEndpoints(service: string, o = {}): Promise<string[]> {
      const namespace = o.namespace ?? opts.namespace ?? 'default';
      const svc = await client.resource(Resources.services).get(service, namespace);
      if (!svc) throw new Error(`reading service ${namespace}/${service}: not found`);
      const ports = svc.spec?.ports ?? [];
      const port = o.port === undefined ? ports[0] : ports.find((p) => p.name === o.port || p.port === o.port);
      if (!port) throw new Error(`reading service ${namespace}/${service}: no port ${o.port ?? '(any)'}`);
      const selector = svc.spec?.selector;
      if (!selector) return [];
      const target = port.targetPort ?? port.port;
      return [...runs.values()]
        .filter((r) => r.namespace === namespace && !r.isTerminating())
        .map((r) => ({ info: r.info(), port: r.hostPort(target) }))
        .filter((x) => x.info.ready && x.port !== undefined && matchesSelector(x.info.labels, selector))
        .map((x) => `127.0.0.1:${x.port}`)
        .sort();
    },

    kill9(pod: string, ref: PodRef = {}): number {
      return find(pod, ref.namespace).container(ref.container).kill9();
    },

    logs(pod: string, ref: PodRef & { previous?: boolean } = {}): string {
      const c = find(pod, ref.namespace).container(ref.container);
      const run = ref.previous ? c.restartCount - 1 : c.restartCount;
      if (run < 0) throw new Error(`reading the previous logs of ${pod}/${c.name}: it never restarted`);
      return readTail(c.logFile(run));
    },

    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      node.stop();
      await Promise.all([pods.stop(), configMaps.stop(), secrets.stop()]);
      await Promise.all([...runs.values()].map((r) => r.terminate({ deleteFromApi: false, graceMs: STOP_GRACE_MS })));
      runs.clear();
      guard.release();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return runner;
}

/** The last MAX_LOG_BYTES of a log file; synchronous, for assertions and failure messages. */
function readTail(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - MAX_LOG_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
