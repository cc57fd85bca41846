// One Pod bound to the runner's Node, from volumes to deletion: host ports, volumes written
// (and kept up to date), init containers in order, then every container as a process; its
// status written back after every change; on deletion SIGTERM, grace, SIGKILL, and the
// final delete that a kubelet makes.
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, isConflict, Resources, type Container, type KubeClient, type ObjectMeta, type Pod, type WorkloadCondition } from '../../../operator/src/kube/index.ts';
import { buildCommand, containerPortOf, portFlagValues, type CommandResult } from './command.ts';
import { ContainerProcess } from './container.ts';
import { resolveEnv, type Lookups } from './env.ts';
import type { Guard } from './guard.ts';
import { restartPolicyOf, type Backoff } from './policy.ts';
import { projectVolume, type ProjectedFile } from './projection.ts';
import { buildStatus, kubeTime, podPhase, type ContainerSnapshot } from './status.ts';
import type { ImageMap, PodProcess, PortMap } from './types.ts';
import { linkMounts, writeAtomic } from './volumes.ts';

export interface PodDeps {
  client: KubeClient;
  lookups: Lookups;
  imageMap: ImageMap;
  portMap: PortMap | undefined;
  backoff: Backoff;
  maxGraceMs: number;
  /** The runner's directory: pods/, logs/, claims/. */
  dir: string;
  guard: Guard;
  freePort(): Promise<number>;
  log(line: string): void;
}

const RETRY_MS = 1_000;

function digestFiles(files: ReadonlyMap<string, ProjectedFile>): string {
  const h = createHash('sha256');
  for (const [path, f] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${path}\0${f.mode}\0${f.data.length}\0`).update(f.data);
  return h.digest('hex');
}

export class PodRun {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly dir: string;
  readonly ports = new Map<number, number>();
  private pod: Pod;
  private readonly d: PodDeps;
  private readonly logDir: string;
  private readonly startTime = kubeTime(Date.now());
  private readonly abort = new AbortController();
  private init: ContainerProcess[] = [];
  private containers: ContainerProcess[] = [];
  private volumesReady = false;
  private initialized = false;
  private failedInit = false;
  private pendingMessage: string | undefined;
  private terminating: Promise<void> | undefined;
  private gone = false;
  private startup: Promise<void> = Promise.resolve();
  private readonly digests = new Map<string, string>();
  private volumeWrites: Promise<void> = Promise.resolve();
  private conditions: WorkloadCondition[] | undefined;
  private lastWritten = '';
  private writing = false;
  private dirty = false;

  constructor(pod: Pod, d: PodDeps) {
    this.pod = pod;
    this.d = d;
    this.uid = pod.metadata.uid ?? '';
    this.namespace = pod.metadata.namespace ?? 'default';
    this.name = pod.metadata.name;
    const id = `${this.namespace}_${this.name}_${this.uid.slice(0, 8)}`;
    this.dir = join(d.dir, 'pods', id);
    this.logDir = join(d.dir, 'logs', id);
    this.conditions = pod.status?.conditions;
  }

  private get spec() {
    return this.pod.spec ?? { containers: [] };
  }

  start(): void {
    this.startup = this.run().catch((err: unknown) => {
      this.pendingMessage = (err as Error).message;
      this.d.log(`pod ${this.namespace}/${this.name}: ${(err as Error).message}`);
      this.scheduleStatus();
    });
  }

  /** The latest object from the informer. */
  update(pod: Pod): void {
    this.pod = pod;
  }

  isTerminating(): boolean {
    return this.terminating !== undefined;
  }

  container(name?: string): ContainerProcess {
    const c = name === undefined ? this.containers[0] : [...this.containers, ...this.init].find((x) => x.name === name);
    if (!c) throw new Error(`finding container ${name ?? '(first)'} of pod ${this.namespace}/${this.name}: it has not started`);
    return c;
  }

  /** A container port (number, or a name declared by `container` or any container) → host port. */
  hostPort(port: number | string, container?: string): number | undefined {
    const all = [...(this.spec.initContainers ?? []), ...this.spec.containers];
    const own = all.find((c) => c.name === container);
    const n = (own ? containerPortOf(own, port) : undefined) ?? all.map((c) => containerPortOf(c, port)).find((x) => x !== undefined);
    return n === undefined ? undefined : this.ports.get(n);
  }

  info(): PodProcess {
    const ports = Object.fromEntries(this.ports);
    const containers = this.containers.map((c) => ({ name: c.name, pid: c.pid, ready: c.isReady(), restartCount: c.restartCount, ports }));
    return {
      namespace: this.namespace,
      name: this.name,
      uid: this.uid,
      labels: { ...this.pod.metadata.labels },
      phase: this.phase(),
      terminating: this.isTerminating(),
      ready: containers.length === this.spec.containers.length && containers.every((c) => c.ready),
      containers,
      dir: this.dir,
    };
  }

  private async run(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.allocatePorts();
    for (;;) {
      const problem = await this.writeVolumes();
      if (this.terminating) return;
      if (!problem) break;
      if (problem !== this.pendingMessage) this.d.log(`pod ${this.namespace}/${this.name} waits: ${problem}`);
      this.pendingMessage = problem;
      this.scheduleStatus();
      await sleep(RETRY_MS, undefined, { signal: this.abort.signal }).catch(() => {});
    }
    this.pendingMessage = undefined;
    const all = [...(this.spec.initContainers ?? []), ...this.spec.containers];
    for (const c of all) await linkMounts(this.rootOf(c.name), c.volumeMounts ?? [], (v) => this.volumeDir(v));
    this.volumesReady = true;
    this.scheduleStatus();
    const podPolicy = restartPolicyOf(this.spec.restartPolicy);
    for (const spec of this.spec.initContainers ?? []) {
      if (this.terminating) return;
      const sidecar = spec.restartPolicy === 'Always';
      const c = this.newContainer(spec, sidecar ? 'Always' : podPolicy === 'Never' ? 'Never' : 'OnFailure');
      this.init.push(c);
      c.start();
      if (sidecar) continue;
      await c.finished();
      if (c.lastExitCode !== 0) {
        this.failedInit = !this.terminating;
        this.scheduleStatus();
        return;
      }
    }
    if (this.terminating) return;
    this.initialized = true;
    for (const spec of this.spec.containers) {
      const c = this.newContainer(spec, podPolicy);
      this.containers.push(c);
      c.start();
    }
    this.d.log(`pod ${this.namespace}/${this.name} started (ports ${[...this.ports].map(([c, h]) => `${c}→${h}`).join(', ') || 'none'})`);
    this.scheduleStatus();
  }

  private rootOf(container: string): string {
    return join(this.dir, 'root', container);
  }

  private volumeDir(name: string): string | undefined {
    const v = (this.spec.volumes ?? []).find((x) => x.name === name);
    if (!v) return undefined;
    if (v.persistentVolumeClaim) return join(this.d.dir, 'claims', this.namespace, v.persistentVolumeClaim.claimName);
    return join(this.dir, 'volumes', name);
  }

  private async allocatePorts(): Promise<void> {
    const taken = new Set<number>();
    for (const c of [...(this.spec.initContainers ?? []), ...this.spec.containers]) {
      const numbers = [...(c.ports ?? []).map((p) => p.containerPort), ...portFlagValues([...(c.command ?? []), ...(c.args ?? [])])];
      for (const n of numbers) {
        if (this.ports.has(n)) continue;
        let host = this.d.portMap?.({ namespace: this.namespace, pod: this.name, container: c.name, containerPort: n });
        while (host === undefined || taken.has(host)) host = await this.d.freePort();
        taken.add(host);
        this.ports.set(n, host);
      }
    }
  }

  /** Writes every volume; returns why the Pod cannot start yet, if anything is missing. */
  private async writeVolumes(onlyFiles = false): Promise<string | undefined> {
    for (const v of this.spec.volumes ?? []) {
      const p = projectVolume(this.pod, v, this.d.lookups);
      const dir = this.volumeDir(v.name)!;
      if (p.kind === 'missing' || p.kind === 'unsupported') {
        if (onlyFiles) continue;
        return `volume "${v.name}": ${p.message}`;
      }
      if (p.kind === 'files') {
        const digest = digestFiles(p.files);
        if (this.digests.get(v.name) === digest) continue;
        await writeAtomic(dir, p.files);
        this.digests.set(v.name, digest);
      } else if (!onlyFiles) {
        await mkdir(dir, { recursive: true });
      }
    }
    return undefined;
  }

  /** A ConfigMap or Secret changed: bring the mounted files up to date, as the kubelet does. */
  refreshVolumes(): void {
    if (!this.volumesReady || this.terminating) return;
    this.volumeWrites = this.volumeWrites
      .then(() => this.writeVolumes(true))
      .then(() => undefined)
      .catch((err: unknown) => this.d.log(`pod ${this.namespace}/${this.name}: updating volumes: ${(err as Error).message}`));
  }

  private graceMs(): number {
    // Set by the API server on a graceful delete; the kube layer's ObjectMeta leaves it out.
    const meta: ObjectMeta & { deletionGracePeriodSeconds?: number } = this.pod.metadata;
    const s = meta.deletionGracePeriodSeconds ?? this.spec.terminationGracePeriodSeconds ?? 30;
    return Math.min(this.d.maxGraceMs, Math.max(0, s) * 1000);
  }

  private prepare(spec: Container): CommandResult {
    const image = this.d.imageMap(spec.image ?? '');
    if (!image) return { ok: false, reason: 'ErrImagePull', message: `image "${spec.image ?? ''}" is not in the pod runner's image map` };
    const env = resolveEnv(this.pod, spec, this.d.lookups);
    if (!env.ok) return env;
    return buildCommand({
      container: spec,
      image,
      env: env.env,
      root: this.rootOf(spec.name),
      ports: this.ports,
      base: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOSTNAME: this.name },
    });
  }

  private newContainer(spec: Container, restartPolicy: 'Always' | 'OnFailure' | 'Never'): ContainerProcess {
    return new ContainerProcess({
      name: spec.name,
      image: spec.image ?? '',
      restartPolicy,
      backoff: this.d.backoff,
      logDir: join(this.logDir, spec.name),
      prepare: () => this.prepare(spec),
      probes: { readiness: spec.readinessProbe, liveness: spec.livenessProbe, startup: spec.startupProbe },
      hostPort: (port) => this.hostPort(port, spec.name),
      graceMs: this.graceMs(),
      onChange: () => this.scheduleStatus(),
      onSpawn: (pid) => this.d.guard.add(pid),
      onExit: (pid) => this.d.guard.remove(pid),
      log: (line) => this.d.log(`pod ${this.namespace}/${this.name}: ${line}`),
    });
  }

  private phase() {
    const main = this.containers;
    return podPhase({
      initialized: this.initialized,
      anyStarted: main.some((c) => c.restartCount > 0 || c.snapshot().state.kind !== 'waiting'),
      allDone: !this.isTerminating() && main.length > 0 && main.every((c) => c.done),
      allSucceeded: main.every((c) => c.lastExitCode === 0),
      failedInit: this.failedInit,
    });
  }

  private snapshots(specs: readonly Container[], running: readonly ContainerProcess[], waitingReason: string): ContainerSnapshot[] {
    return specs.map((s) => {
      const c = running.find((x) => x.name === s.name);
      if (c) return c.snapshot();
      return {
        name: s.name,
        image: s.image ?? '',
        restartCount: 0,
        ready: false,
        started: false,
        state: { kind: 'waiting', reason: waitingReason, ...(this.pendingMessage ? { message: this.pendingMessage } : {}) },
      };
    });
  }

  private scheduleStatus(): void {
    if (this.terminating || this.gone) return;
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.writing = true;
    void (async () => {
      try {
        do {
          this.dirty = false;
          await this.writeStatus();
        } while (this.dirty && !this.terminating && !this.gone);
      } finally {
        this.writing = false;
      }
    })();
  }

  private async writeStatus(): Promise<void> {
    const waiting = this.volumesReady ? 'PodInitializing' : 'ContainerCreating';
    const status = buildStatus(
      this.conditions,
      {
        phase: this.phase(),
        startTime: this.startTime,
        volumesReady: this.volumesReady,
        initialized: this.initialized,
        init: this.snapshots(this.spec.initContainers ?? [], this.init, waiting),
        containers: this.snapshots(this.spec.containers, this.containers, waiting),
      },
      kubeTime(Date.now()),
    );
    const json = JSON.stringify(status);
    if (json === this.lastWritten) return;
    try {
      await this.d.client.resource(Resources.pods).patch(this.name, this.namespace, { type: 'strategic', body: { status } }, { subresource: 'status' });
      this.lastWritten = json;
      this.conditions = status.conditions as WorkloadCondition[];
    } catch (err) {
      if (isNotFound(err)) {
        this.gone = true;
        return;
      }
      this.d.log(`pod ${this.namespace}/${this.name}: writing status: ${(err as Error).message}`);
      setTimeout(() => this.scheduleStatus(), RETRY_MS).unref();
    }
  }

  /**
   * Stops every process (SIGTERM, SIGKILL after the grace period, capped by `graceMs`),
   * removes the Pod's directory and, when the Pod is still in the API, deletes it for good.
   */
  terminate(opts: { deleteFromApi: boolean; graceMs?: number }): Promise<void> {
    this.terminating ??= (async () => {
      this.abort.abort();
      const grace = Math.min(opts.graceMs ?? Infinity, this.graceMs());
      this.d.log(`pod ${this.namespace}/${this.name} terminating (grace ${grace} ms)`);
      const stopAll = () => Promise.all([...this.containers, ...this.init].map((c) => c.stop(grace)));
      await stopAll();
      await this.startup;
      await stopAll();
      await this.volumeWrites;
      if (opts.deleteFromApi && !this.gone) {
        try {
          await this.d.client.resource(Resources.pods).delete(this.name, this.namespace, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
        } catch (err) {
          if (!isConflict(err)) this.d.log(`pod ${this.namespace}/${this.name}: deleting: ${(err as Error).message}`);
        }
      }
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.terminating;
  }

  /** The Pod left the API (deleted, or no longer ours): nothing more to write. */
  forget(): void {
    this.gone = true;
  }
}
