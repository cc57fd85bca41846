// The operator at scale (`make bench-operator`): 1,000 Sources and 1,000 Destinations, with
// their TrackingPlans and write-key Secrets, created at once on a real control plane
// (etcd, kube-apiserver, kube-controller-manager) while `sluice operator` runs as its own
// process. Measures the time until every object is Ready at its generation, the API requests
// the operator issued (its own client metrics), and its peak RSS (VmHWM). Prints a table and
// one JSON line; never fails on speed.
//
// The operator runs as the image runs it: with the chart's node flags and a compile cache
// filled beforehand (the Dockerfile fills the image's at build time); --cold starts it
// without one, stripping TypeScript at start as a checkout does.
//
// The ceiling column: a fresh control plane given the same children with no operator, the
// time until the Deployment controller has taken up every Deployment (--skip-ceiling: none).
//
//   node test/bench/operator.bench.ts [--sources 1000] [--destinations 1000] [--plans 20] [--workers 4] [--cold] [--skip-ceiling]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Destination, Source, TrackingPlan } from '../../operator/src/api/index.ts';
import { MANAGED_SELECTOR } from '../../operator/src/controllers/common/labels.ts';
import { rolloutOf } from '../../operator/src/controllers/common/rollout.ts';
import { Informer, KubeClient, loadClusterConfig, Resources, type KubeObject, type ResourceClient, type ResourceType, type Secret } from '../../operator/src/kube/index.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/index.ts';
import { operatorNodeFlags } from '../docker/dockerfile.ts';
import { apiWrites, metricSum, REPO_ROOT, spawnOperator, type OperatorProcess } from '../operator/env.ts';
import { sleep } from '../support/wait.ts';
import { formatTable, meets, type Row } from './stats.ts';

const TARGETS = { readySeconds: { op: '<=', value: 60 }, peakRssMb: { op: '<=', value: 150 } } as const;
/** Concurrent creates: enough to hand the operator everything within a few seconds, few enough not to trip the apiserver's in-flight limit. */
const CREATE_CONCURRENCY = 32;
/** States are read from watch caches, so polling costs the API server nothing. */
const POLL_MS = 250;
/** The operator's concurrency: 3 controllers × 4 workers; the ceiling creates children as fast. */
const CEILING_CONCURRENCY = 12;
/** Room for a Service per Source: the harness's default /24 holds ~250. */
const SERVICE_CIDR = '10.96.0.0/16';
/**
 * kube-controller-manager's client is limited to 20 requests/s (burst 30) by default: with
 * thousands of Deployments, ReplicaSets and Pods, Ready would measure that limit, not the
 * operator. A real cluster of this size raises it too.
 */
const KCM_ARGS = ['--kube-api-qps=400', '--kube-api-burst=800'];
const GIVE_UP_MS = 900_000;

const { values: args } = parseArgs({
  options: {
    sources: { type: 'string', default: '1000' },
    destinations: { type: 'string', default: '1000' },
    plans: { type: 'string', default: '20' },
    workers: { type: 'string', default: '4' },
    cold: { type: 'boolean', default: false },
    'skip-ceiling': { type: 'boolean', default: false },
  },
});
const count = (name: keyof typeof args, max: number): number => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`reading --${name}: expected a whole number from 1 to ${max}, got "${String(args[name])}"`);
  return n;
};
const SOURCES = count('sources', 10_000);
const DESTINATIONS = count('destinations', 10_000);
const PLANS = Math.min(count('plans', 1_000), SOURCES);
const WORKERS = count('workers', 64);
/** The chart's operator command: node <flags> runtime/src/cli/main.ts. */
const NODE_FLAGS = operatorNodeFlags(REPO_ROOT);
const COMPILE_CACHE = args.cold ? undefined : join(process.env.SLUICE_CACHE ?? join(homedir(), '.cache/sluice'), 'node-compile-cache');

/** Fills the compile cache as the image build does: the operator command loaded with the same flags, then --help. */
function fillCompileCache(dir: string): void {
  execFileSync(process.execPath, [...NODE_FLAGS, join(REPO_ROOT, 'runtime/src/cli/main.ts'), 'operator', '--help'], {
    env: { ...process.env, NODE_COMPILE_CACHE: dir },
    stdio: 'ignore',
  });
}

const plan = (i: number): TrackingPlan => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'TrackingPlan',
  metadata: { name: `plan-${i}` },
  spec: {
    unplannedEvents: 'allow',
    unplannedProperties: 'allow',
    onViolation: 'block',
    events: [
      { name: 'Product Viewed', properties: { type: 'object', required: ['product_id'], properties: { product_id: { type: 'string' }, price: { type: 'number', minimum: 0 } } } },
      { name: 'Order Completed', properties: { type: 'object', required: ['order_id', 'revenue'], properties: { order_id: { type: 'string' }, revenue: { type: 'number' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } } } },
      { name: `Plan ${i} Event`, properties: { type: 'object', properties: { n: { type: 'integer' } } } },
    ],
  },
});

const secret = (i: number): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `src-${i}-key` }, stringData: { writeKey: `wk-${i}` } });

const source = (i: number): Source => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Source',
  metadata: { name: `src-${i}` },
  spec: { trackingPlanRef: { name: `plan-${i % PLANS}` }, writeKeys: [{ secretRef: { name: `src-${i}-key`, key: 'writeKey' } }], replicas: 2 },
});

const destination = (i: number): Destination => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Destination',
  metadata: { name: `dst-${i}` },
  spec: {
    sources: [{ name: `src-${i % SOURCES}` }],
    type: 'webhook',
    settings: { url: `http://receiver-${i}.example.com/events`, batch: true },
    filter: 'type == "track"',
  },
});

type Create = () => Promise<unknown>;

/** Runs `jobs` with at most `concurrency` at a time; the first failure ends the run. */
async function pool(jobs: Create[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Ready at its generation; or `applied`: the operator has written every child and waits for the Deployment controller. */
function stateOf(o: Source | Destination): 'ready' | 'applied' | 'pending' {
  if (o.status?.observedGeneration !== o.metadata.generation) return 'pending';
  const ready = (o.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return 'ready';
  return ready?.reason === 'Deploying' ? 'applied' : 'pending';
}

function countStates<T extends Source | Destination>(watched: Informer<T>): { ready: number; applied: number } {
  const states = watched.list().map(stateOf);
  const ready = states.filter((s) => s === 'ready').length;
  return { ready, applied: ready + states.filter((s) => s === 'applied').length };
}

/** kB fields of /proc/<pid>/status (VmHWM, VmRSS), in MB; undefined once the process is gone. */
function memoryMb(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Result {
  createSeconds: number;
  readySeconds: number;
  /** Until every object had all its children applied (Ready, or waiting only for the Deployment controller). */
  appliedSeconds: number;
  sourcesReady: number;
  destinationsReady: number;
  apiRequests: number;
  apiWrites: Record<string, number>;
  apiGets: number;
  reconciles: number;
  reconcileErrors: number;
  peakRssMb: number;
  finalRssMb: number;
  heapUsedMb: number;
  externalMb: number;
  operatorCpuSeconds: number;
  /** CPU seconds of each control-plane process over the same window: where the two cores went. */
  controlPlaneCpuSeconds: Record<string, number>;
  /** Requests the API server served (all clients, watches excluded) over the window. */
  apiserverRequests: number;
  /** Per controller: reconciles, mean reconcile and mean queue wait (ms): where the time goes. */
  controllers: Record<string, { reconciles: number; meanMs: number; meanWaitMs: number }>;
  /** The API server's own mean latency for the operator-era requests of every client (ms). */
  apiserverMeanMs: number;
}

const CONTROLLERS = ['trackingplan', 'source', 'destination'];

function perController(metrics: string): Result['controllers'] {
  const mean = (name: string, label: string, c: string) => {
    const n = metricSum(metrics, `${name}_count`, { [label]: c });
    return n === 0 ? 0 : (1000 * metricSum(metrics, `${name}_sum`, { [label]: c })) / n;
  };
  return Object.fromEntries(
    CONTROLLERS.map((c) => [
      c,
      {
        reconciles: metricSum(metrics, 'sluice_operator_reconciles_total', { controller: c }),
        meanMs: mean('sluice_operator_reconcile_duration_seconds', 'controller', c),
        meanWaitMs: mean('sluice_operator_workqueue_wait_seconds', 'name', c),
      },
    ]),
  );
}

interface Env {
  cp: ControlPlane;
  client: KubeClient;
  stop(): Promise<void>;
}

/** The control plane with the CRDs installed and a client for the objects the benchmark creates. */
async function startEnv(): Promise<Env> {
  const cp = await startControlPlane({ log: (l) => log(`[controlplane] ${l}`), controllerManagerArgs: KCM_ARGS, serviceClusterIpRange: SERVICE_CIDR });
  try {
    await cp.kubectlOk(['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')]);
    await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sources.sluice.dev', 'crd/destinations.sluice.dev', 'crd/trackingplans.sluice.dev']);
    await cp.kubectlOk(['create', 'namespace', 'bench']);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  return { cp, client: new KubeClient(loadClusterConfig({ path: cp.kubeconfig })), stop: () => cp.stop() };
}

async function measure(op: OperatorProcess, env: Env, ns: string): Promise<Result> {
  const pid = op.child.pid;
  if (pid === undefined) throw new Error('starting the operator: no pid');
  const cpuAtStart = cpuSeconds(pid);
  const controlPlaneAtStart = controlPlaneCpu(env);
  const kinds = {
    plans: env.client.resource(Resources.trackingPlans),
    secrets: env.client.resource(Resources.secrets),
    sources: env.client.resource(Resources.sources),
    destinations: env.client.resource(Resources.destinations),
  };
  const create = <T extends KubeObject>(c: ResourceClient<T>, obj: T): Create => () => c.create({ ...obj, metadata: { ...obj.metadata, namespace: ns } });
  // Everything at once, in the order a `kubectl apply -f dir/` would meet it: plans, then per Source its Secret, itself and a Destination.
  const jobs: Create[] = Array.from({ length: PLANS }, (_, i) => create(kinds.plans, plan(i)));
  for (let i = 0; i < Math.max(SOURCES, DESTINATIONS); i++) {
    if (i < SOURCES) jobs.push(create(kinds.secrets, secret(i)), create(kinds.sources, source(i)));
    if (i < DESTINATIONS) jobs.push(create(kinds.destinations, destination(i)));
  }

  // Watched, not listed: a LIST of a thousand objects every second is work for the API server the operator would be measured with.
  const watched = { sources: new Informer(kinds.sources, { namespace: ns, resyncMs: 0 }), destinations: new Informer(kinds.destinations, { namespace: ns, resyncMs: 0 }) };
  watched.sources.start();
  watched.destinations.start();
  await Promise.all([watched.sources.waitForSync(), watched.destinations.waitForSync()]);

  const apiserverBefore = await apiserverLatency(env);
  const t0 = Date.now();
  await pool(jobs, CREATE_CONCURRENCY);
  const createSeconds = (Date.now() - t0) / 1000;
  log(`created ${jobs.length} objects in ${createSeconds.toFixed(1)} s`);

  let src = { ready: 0, applied: 0 };
  let dst = { ready: 0, applied: 0 };
  let appliedSeconds = NaN;
  let lastLog = 0;
  while (Date.now() - t0 < GIVE_UP_MS) {
    src = countStates(watched.sources);
    dst = countStates(watched.destinations);
    if (Number.isNaN(appliedSeconds) && src.applied === SOURCES && dst.applied === DESTINATIONS) appliedSeconds = (Date.now() - t0) / 1000;
    if (src.ready === SOURCES && dst.ready === DESTINATIONS) break;
    if (Date.now() - lastLog >= 10_000) {
      lastLog = Date.now();
      log(
        `  ${((Date.now() - t0) / 1000).toFixed(0)} s: Ready ${src.ready}/${SOURCES} Sources, ${dst.ready}/${DESTINATIONS} Destinations; children applied ${src.applied} + ${dst.applied}; operator RSS ${memoryMb(pid)?.rss.toFixed(0) ?? '?'} MB`,
      );
    }
    await sleep(POLL_MS);
  }
  const readySeconds = (Date.now() - t0) / 1000;
  await Promise.all([watched.sources.stop(), watched.destinations.stop()]);
  const metrics = await op.metrics();
  const mem = memoryMb(pid);
  const apiserverAfter = await apiserverLatency(env);
  const served = apiserverAfter.count - apiserverBefore.count;
  return {
    createSeconds,
    readySeconds,
    appliedSeconds,
    sourcesReady: src.ready,
    destinationsReady: dst.ready,
    apiRequests: metricSum(metrics, 'sluice_operator_api_requests_total'),
    apiWrites: apiWrites(metrics),
    apiGets: metricSum(metrics, 'sluice_operator_api_requests_total', { method: 'GET' }),
    reconciles: metricSum(metrics, 'sluice_operator_reconciles_total'),
    reconcileErrors: metricSum(metrics, 'sluice_operator_reconciles_total', { result: 'error' }),
    peakRssMb: mem?.hwm ?? NaN,
    finalRssMb: mem?.rss ?? NaN,
    heapUsedMb: metricSum(metrics, 'sluice_operator_process_nodejs_heap_size_used_bytes') / 2 ** 20,
    externalMb: metricSum(metrics, 'sluice_operator_process_nodejs_external_memory_bytes') / 2 ** 20,
    operatorCpuSeconds: cpuSeconds(pid) - cpuAtStart,
    controlPlaneCpuSeconds: controlPlaneCpuSince(env, controlPlaneAtStart),
    apiserverRequests: served,
    controllers: perController(metrics),
    apiserverMeanMs: served > 0 ? (1000 * (apiserverAfter.sum - apiserverBefore.sum)) / served : NaN,
  };
}

/**
 * The kinds of the operator's children, in the order it applies them to one owner: config,
 * Service and PodDisruptionBudget (together), then the Deployment.
 */
const CHILD_KINDS = [Resources.configMaps, Resources.services, Resources.podDisruptionBudgets, Resources.deployments] as ResourceType<KubeObject>[];

/** The operator's children as they are in the cluster, by owner, each group in CHILD_KINDS order. */
async function childrenOf(env: Env, ns: string): Promise<KubeObject[][]> {
  const lists = await Promise.all(CHILD_KINDS.map((k) => env.client.resource(k).listAll({ namespace: ns, labelSelector: MANAGED_SELECTOR })));
  const byOwner = new Map<string, KubeObject[]>();
  for (const o of lists.flatMap((l) => l.items)) {
    const owner = o.metadata.ownerReferences?.[0]?.uid ?? o.metadata.name;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), o]);
  }
  return [...byOwner.values()];
}

/** An object as first written: no owner (it is not in the new cluster), no server-set fields or status. */
function asCreated<T extends KubeObject>(o: T): T {
  const { name, namespace, labels, annotations } = o.metadata;
  const copy = { ...o, metadata: { name, namespace, labels, annotations } } as T & { status?: unknown; spec?: Record<string, unknown> };
  delete copy.status;
  if (o.kind === 'Service' && copy.spec) {
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = copy.spec;
    copy.spec = spec;
  }
  return copy;
}

interface Ceiling {
  /** Until the Deployment controller had taken up every Deployment (what Ready waits for). */
  seconds: number;
  objects: number;
  apiserverCpuSeconds: number;
  controllerManagerCpuSeconds: number;
}

/**
 * The control plane alone on this machine: a fresh one is given the children the operator
 * wrote, per owner in the operator's order (config, Service and PDB, then the Deployment),
 * CEILING_CONCURRENCY at a time, with no status writes, Events or finalizers. Its time
 * until every Deployment is taken up bounds what any operator could reach here.
 */
async function controlPlaneCeiling(children: KubeObject[][], ns: string): Promise<Ceiling> {
  const env = await startEnv();
  try {
    const create = (o: KubeObject) => {
      const kind = CHILD_KINDS.find((k) => k.kind === o.kind);
      if (!kind) throw new Error(`ceiling: ${o.kind} is not a child kind`);
      const fresh = asCreated(o);
      return env.client.resource(kind).create({ ...fresh, metadata: { ...fresh.metadata, namespace: ns } });
    };
    const jobs: Create[] = children.map((group) => async () => {
      const isDeployment = (o: KubeObject) => o.kind === Resources.deployments.kind;
      await Promise.all(group.filter((o) => !isDeployment(o)).map(create));
      for (const d of group.filter(isDeployment)) await create(d);
    });
    const want = children.flat().filter((o) => o.kind === Resources.deployments.kind).length;
    const deployments = new Informer(env.client.resource(Resources.deployments), { namespace: ns, resyncMs: 0 });
    deployments.start();
    await deployments.waitForSync();
    const cpuBefore = controlPlaneCpu(env);
    const t0 = Date.now();
    await pool(jobs, CEILING_CONCURRENCY);
    const takenUp = () => deployments.list().filter((d) => rolloutOf(d)?.observed).length;
    let lastLog = Date.now();
    while (takenUp() < want && Date.now() - t0 < GIVE_UP_MS) {
      if (Date.now() - lastLog >= 10_000) {
        lastLog = Date.now();
        log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${takenUp()}/${want} Deployments taken up`);
      }
      await sleep(POLL_MS);
    }
    const seconds = (Date.now() - t0) / 1000;
    const used = controlPlaneCpuSince(env, cpuBefore);
    await deployments.stop();
    return { seconds, objects: children.flat().length, apiserverCpuSeconds: used['kube-apiserver'] ?? 0, controllerManagerCpuSeconds: used['kube-controller'] ?? 0 };
  } finally {
    await env.stop();
  }
}

/** CPU seconds so far of etcd, kube-apiserver and kube-controller-manager, from the pids the harness records. */
function controlPlaneCpu(env: Env): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of readFileSync(join(env.cp.dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number)) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      out[name] = (out[name] ?? 0) + cpuSeconds(pid);
    } catch {
      // Exited: not part of this run.
    }
  }
  return out;
}

/** CPU seconds each control-plane process used since `before` (a controlPlaneCpu reading). */
function controlPlaneCpuSince(env: Env, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(controlPlaneCpu(env)).map(([name, s]) => [name, s - (before[name] ?? 0)]));
}

/** Seconds and count of apiserver_request_duration_seconds over non-long-running requests (watches excluded). */
async function apiserverLatency(env: Env): Promise<{ sum: number; count: number }> {
  const text = await env.cp.kubectlOk(['get', '--raw', '/metrics'], { timeoutMs: 60_000 });
  const pick = (suffix: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`apiserver_request_duration_seconds_${suffix}{`) && !l.includes('verb="WATCH"') && !l.includes('verb="CONNECT"'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { sum: pick('sum'), count: pick('count') };
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const cpu = cpus();
  log(`sluice operator benchmark: ${SOURCES} Sources, ${DESTINATIONS} Destinations, ${PLANS} TrackingPlans, ${WORKERS} workers per controller; node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}`);
  // Other work on the machine skews every figure; the load average at the start says how much.
  const loadAtStart = loadavg()[0] ?? 0;
  log(`load average before the run: ${loadAtStart.toFixed(2)}`);
  log(`kube-controller-manager ${KCM_ARGS.join(' ')}, service range ${SERVICE_CIDR}`);
  log(`operator: node ${NODE_FLAGS.join(' ')} (the chart's command), ${COMPILE_CACHE ? `compile cache ${COMPILE_CACHE} (as in the image)` : 'no compile cache (--cold)'}`);
  if (COMPILE_CACHE) fillCompileCache(COMPILE_CACHE);
  const env = await startEnv();
  let op: OperatorProcess | undefined;
  // Ctrl-C: the operator and the control plane go too.
  const interrupted = async () => {
    await op?.stop('SIGKILL');
    await env.stop();
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());
  try {
    const ns = 'bench';
    op = await spawnOperator(env.cp.kubeconfig, 'bench-operator', ['--leader-elect=false', `--workers=${WORKERS}`, '--log-level=warn'], {
      nodeArgs: NODE_FLAGS,
      ...(COMPILE_CACHE ? { env: { NODE_COMPILE_CACHE: COMPILE_CACHE } } : {}),
    });
    const idleRssMb = memoryMb(op.child.pid ?? 0)?.rss ?? NaN;
    const r = await measure(op, env, ns);
    const complete = r.sourcesReady === SOURCES && r.destinationsReady === DESTINATIONS;
    let ceiling: Ceiling | undefined;
    if (!args['skip-ceiling']) {
      const children = await childrenOf(env, ns);
      await op.stop('SIGTERM');
      op = undefined;
      await env.stop();
      log(`ceiling: a fresh control plane given the operator's ${children.flat().length} children of ${children.length} owners (ConfigMaps, Services, PodDisruptionBudgets, Deployments), no operator`);
      ceiling = await controlPlaneCeiling(children, ns);
    }
    const writes = Object.values(r.apiWrites).reduce((a, b) => a + b, 0);
    const rows: Row[] = [
      { metric: 'time until all Ready (s)', sluice: r.readySeconds, ...(ceiling ? { ceiling: ceiling.seconds } : {}), target: TARGETS.readySeconds },
      { metric: '  of which creating them (s)', sluice: r.createSeconds },
      { metric: 'time until all children applied (s)', sluice: r.appliedSeconds },
      { metric: 'operator API requests', sluice: r.apiRequests },
      { metric: '  reads (GET, incl. list/watch)', sluice: r.apiGets },
      { metric: '  writes (PATCH/POST/PUT/DELETE)', sluice: writes },
      { metric: '  writes per object', sluice: writes / (SOURCES + DESTINATIONS) },
      { metric: 'reconciles', sluice: r.reconciles },
      { metric: '  errors (retried)', sluice: r.reconcileErrors },
      ...CONTROLLERS.flatMap((c) => [
        { metric: `  ${c}: reconciles`, sluice: r.controllers[c]?.reconciles ?? NaN },
        { metric: `  ${c}: mean reconcile (ms)`, sluice: r.controllers[c]?.meanMs ?? NaN },
        { metric: `  ${c}: mean queue wait (ms)`, sluice: r.controllers[c]?.meanWaitMs ?? NaN },
      ]),
      { metric: 'API server mean latency (ms)', sluice: r.apiserverMeanMs },
      { metric: 'API server requests, all clients', sluice: r.apiserverRequests },
      { metric: 'operator peak RSS (MB)', sluice: r.peakRssMb, target: TARGETS.peakRssMb },
      { metric: '  RSS idle, before (MB)', sluice: idleRssMb },
      { metric: '  JS heap used at the end (MB)', sluice: r.heapUsedMb },
      { metric: '  external at the end (MB)', sluice: r.externalMb },
      { metric: 'operator CPU (s)', sluice: r.operatorCpuSeconds },
      ...Object.entries(r.controlPlaneCpuSeconds).map(([name, s]) => ({ metric: `${name} CPU (s)`, sluice: s })),
      { metric: `  CPU available: ${cpu.length} cores × Ready time (s)`, sluice: cpu.length * r.readySeconds },
      ...(ceiling
        ? [
            { metric: 'ceiling: children created (no operator)', sluice: ceiling.objects },
            { metric: 'ceiling: kube-apiserver CPU (s)', sluice: ceiling.apiserverCpuSeconds },
            { metric: 'ceiling: kube-controller-manager CPU (s)', sluice: ceiling.controllerManagerCpuSeconds },
          ]
        : []),
    ];
    log(`\n${formatTable(rows)}`);
    if (!complete) log(`note: gave up after ${GIVE_UP_MS / 1000} s with ${r.sourcesReady}/${SOURCES} Sources and ${r.destinationsReady}/${DESTINATIONS} Destinations Ready`);
    const met = { readySeconds: complete && (meets({ metric: 'ready', sluice: r.readySeconds, target: TARGETS.readySeconds }) ?? false), peakRssMb: meets({ metric: 'rss', sluice: r.peakRssMb, target: TARGETS.peakRssMb }) ?? false };
    const round = (n: number) => Math.round(n * 100) / 100;
    const { controllers, ...numbers } = r;
    log(
      JSON.stringify({
        bench: 'operator',
        sources: SOURCES,
        destinations: DESTINATIONS,
        plans: PLANS,
        workers: WORKERS,
        nodeFlags: NODE_FLAGS,
        compileCache: COMPILE_CACHE !== undefined,
        kubeControllerManagerArgs: KCM_ARGS,
        cpus: cpu.length,
        loadAverage: round(loadAtStart),
        loadAverageAfter: round(loadavg()[0] ?? 0),
        node: process.version,
        complete,
        ...Object.fromEntries(Object.entries(numbers).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])),
        controllers: Object.fromEntries(Object.entries(controllers).map(([c, x]) => [c, { reconciles: x.reconciles, meanMs: round(x.meanMs), meanWaitMs: round(x.meanWaitMs) }])),
        idleRssMb: round(idleRssMb),
        ...(ceiling ? { ceiling: { readySeconds: round(ceiling.seconds), objects: ceiling.objects, apiserverCpuSeconds: round(ceiling.apiserverCpuSeconds), controllerManagerCpuSeconds: round(ceiling.controllerManagerCpuSeconds) } } : {}),
        targets: Object.fromEntries(Object.entries(TARGETS).map(([k, t]) => [k, `${t.op} ${t.value}`])),
        met,
      }),
    );
  } finally {
    await op?.stop('SIGTERM');
    await env.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
