import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { sleep } from './backoff.ts';
import type { KubeClient, ResourceClient } from './client.ts';
import { isAlreadyExists, isConflict } from './errors.ts';
import { checkTiming, decideLease, DEFAULT_TIMING, nextLeaseSpec, recordChanged, type LeaderTiming, type LeaseSpec } from './leader-policy.ts';
import { silentLogger, type Logger } from './log.ts';
import { kubeMetrics, type KubeMetrics } from './metrics.ts';
import { Resources } from './resources.ts';
import { microTime } from './time.ts';
import type { Lease } from './types.ts';

export interface LeaderElectionOptions extends Partial<LeaderTiming> {
  client: KubeClient;
  namespace: string;
  /** The Lease's name, shared by every instance of the operator. */
  name: string;
  /** Unique per instance; default POD_NAME (or the host name) plus the pid. */
  identity?: string;
  /** Called on winning; `signal` aborts when leadership ends. Start controllers here. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once leadership ends (lost or released). A process that lost it should exit. */
  onStoppedLeading?(): void | Promise<void>;
  onNewLeader?(identity: string): void;
  log?: Logger;
  registry?: Registry;
}

export function defaultIdentity(): string {
  return `${process.env.POD_NAME || hostname()}_${process.pid}`;
}

/**
 * Lease-based leader election (coordination.k8s.io/v1), client-go's algorithm: followers
 * take over a lease not renewed for leaseDuration (by their own clock); the leader renews
 * every retryPeriod and steps down if it cannot for renewDeadline; stop() releases the lease
 * so a successor takes over within one retryPeriod.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly o: LeaderElectionOptions;
  private readonly timing: LeaderTiming;
  private readonly leases: ResourceClient<Lease>;
  private readonly log: Logger;
  private readonly metrics: KubeMetrics | undefined;
  private observed: LeaseSpec | undefined;
  private observedAt = 0;
  private lease: Lease | undefined;
  private leading = false;
  private lastLeader: string | undefined;
  private stopping: AbortController | undefined;
  private release = true;
  private loop: Promise<void> | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.o = opts;
    this.timing = {
      leaseDurationMs: opts.leaseDurationMs ?? DEFAULT_TIMING.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs ?? DEFAULT_TIMING.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs ?? DEFAULT_TIMING.retryPeriodMs,
    };
    checkTiming(this.timing);
    this.identity = opts.identity ?? defaultIdentity();
    this.leases = opts.client.resource(Resources.leases);
    this.log = (opts.log ?? silentLogger).child({ lease: `${opts.namespace}/${opts.name}`, identity: this.identity });
    this.metrics = opts.registry ? kubeMetrics(opts.registry) : undefined;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder as last observed (ourselves included). */
  get leader(): string | undefined {
    return this.lastLeader;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.loop = this.run(this.stopping.signal);
  }

  /** Stops campaigning; while leading, releases the lease unless `release` is false (a crash, in tests). */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.release = opts.release ?? true;
    this.stopping?.abort(new Error('stopping leader election'));
    await this.loop;
    this.loop = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.tryAcquireOrRenew())) {
        await sleep(this.timing.retryPeriodMs * (1 + 0.2 * Math.random()), signal).catch(() => {});
        continue;
      }
      const term = new AbortController();
      this.setLeading(true);
      this.log.info('became leader');
      // Not awaited: onStartedLeading may run for the whole term.
      void this.callback(() => this.o.onStartedLeading(term.signal), 'onStartedLeading');
      await this.renewWhileLeading(signal);
      if (signal.aborted && this.release) await this.releaseLease();
      this.setLeading(false);
      term.abort(new Error('leadership ended'));
      this.log.info(signal.aborted ? 'stopped leading' : 'lost leadership: could not renew the lease in time');
      await this.callback(() => this.o.onStoppedLeading?.(), 'onStoppedLeading');
    }
  }

  private async renewWhileLeading(signal: AbortSignal): Promise<void> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.timing.retryPeriodMs, signal).catch(() => {});
      if (signal.aborted) return;
      // Keep trying within the deadline; a hung request must not keep us leading past it.
      for (;;) {
        const left = lastRenew + this.timing.renewDeadlineMs - Date.now();
        if (left <= 0) return;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<false>((r) => (timer = setTimeout(() => r(false), left)));
        const ok = await Promise.race([this.tryAcquireOrRenew(), deadline]);
        clearTimeout(timer);
        if (ok) {
          lastRenew = Date.now();
          break;
        }
        if (signal.aborted) return;
        await sleep(Math.min(this.timing.retryPeriodMs / 4, Math.max(0, left)), signal).catch(() => {});
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    try {
      const lease = await this.leases.get(this.o.name, this.o.namespace);
      this.observe(lease, now);
      const action = decideLease({ identity: this.identity, spec: lease?.spec, observedAt: this.observedAt, now, timing: this.timing });
      if (action.kind === 'wait') return false;
      const spec = nextLeaseSpec(action.kind, lease?.spec, this.identity, microTime(now), this.timing);
      const written =
        action.kind === 'create'
          ? await this.leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace }, spec })
          : await this.leases.replace({ ...lease!, spec });
      this.observe(written, Date.now());
      return true;
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err)) return false;
      this.log.warn('reading or writing the lease failed', { err });
      return false;
    }
  }

  private async releaseLease(): Promise<void> {
    if (!this.lease || this.lease.spec?.holderIdentity !== this.identity) return;
    try {
      const spec = nextLeaseSpec('release', this.lease.spec, this.identity, microTime(Date.now()), this.timing);
      await this.leases.replace({ ...this.lease, spec });
    } catch (err) {
      this.log.warn('releasing the lease failed; a successor waits for it to expire', { err });
    }
  }

  private observe(lease: Lease | undefined, now: number): void {
    this.lease = lease;
    if (recordChanged(this.observed, lease?.spec)) {
      this.observed = lease?.spec;
      this.observedAt = now;
    }
    const holder = lease?.spec?.holderIdentity;
    if (holder && holder !== this.lastLeader) {
      this.lastLeader = holder;
      void this.callback(() => this.o.onNewLeader?.(holder), 'onNewLeader');
    }
  }

  private setLeading(v: boolean): void {
    this.leading = v;
    this.metrics?.leader.set({ lease: `${this.o.namespace}/${this.o.name}` }, v ? 1 : 0);
  }

  private async callback(fn: () => void | Promise<void>, what: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.error(`${what} failed`, { err });
    }
  }
}
