import { randomBytes } from 'node:crypto';
import type { KubeClient } from './client.ts';
import { isNotFound } from './errors.ts';
import { EventAggregator, type AggregatorOptions } from './event-aggregator.ts';
import { keyOf } from './keys.ts';
import { silentLogger, type Logger } from './log.ts';
import { Resources } from './resources.ts';
import { microTime } from './time.ts';
import type { KubeEvent, KubeObject } from './types.ts';

export interface EventInput {
  type: 'Normal' | 'Warning';
  /** CamelCase, e.g. SecretMissing. */
  reason: string;
  /** What the controller did or failed to do, e.g. Reconcile, Apply. */
  action: string;
  note: string;
}

export interface EventRecorderOptions extends AggregatorOptions {
  client: KubeClient;
  /** reportingController; default "sluice.dev/operator". */
  controller?: string;
  /** reportingInstance: this operator instance (the leader identity). */
  instance: string;
  /** Scrubs secret values from notes (see Redactor). */
  redact?: (text: string) => string;
  now?: () => number;
  log?: Logger;
}

/** The API server caps a note at 1 kB. */
export const MAX_NOTE_BYTES = 1024;

export function truncateNote(note: string): string {
  if (Buffer.byteLength(note) <= MAX_NOTE_BYTES) return note;
  let cut = note.slice(0, MAX_NOTE_BYTES - 3);
  while (Buffer.byteLength(cut) > MAX_NOTE_BYTES - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/**
 * Records events.k8s.io/v1 Events about objects. Repeats fold into one Event's `series`
 * (count, lastObservedTime), series writes are throttled, and an object emitting too many
 * distinct events is muted for a while, so a hot loop cannot flood etcd. Writing never
 * throws into the caller: failures are logged. Notes pass through `redact` first.
 */
export class EventRecorder {
  private readonly o: EventRecorderOptions;
  private readonly agg: EventAggregator;
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; write: () => void }>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(opts: EventRecorderOptions) {
    this.o = opts;
    this.agg = new EventAggregator(opts);
    this.log = (opts.log ?? silentLogger).child({ component: 'events' });
    this.now = opts.now ?? Date.now;
  }

  event(regarding: KubeObject, input: EventInput): void {
    const note = truncateNote((this.o.redact ?? ((s: string) => s))(input.note));
    const objectKey = regarding.metadata.uid ?? keyOf(regarding);
    const eventKey = JSON.stringify([input.type, input.reason, input.action, note]);
    const now = this.now();
    const d = this.agg.observe(objectKey, eventKey, now);
    if (d.kind === 'drop') {
      this.log.debug('event dropped: too many from this object', { object: keyOf(regarding), reason: input.reason });
      return;
    }
    if (d.kind === 'create') {
      this.track(this.create(regarding, input, note, now, objectKey, eventKey));
      return;
    }
    const timerKey = `${objectKey}\u0000${eventKey}`;
    if (this.timers.has(timerKey)) return;
    const write = () => {
      this.timers.delete(timerKey);
      this.track(this.writeSeries(regarding, input, note, d.name, objectKey, eventKey));
    };
    if (d.writeInMs === 0) write();
    else {
      // unref: a pending count update must not keep a stopping process alive (flush() sends it).
      const timer = setTimeout(write, d.writeInMs).unref();
      this.timers.set(timerKey, { timer, write });
    }
  }

  /** Sends pending series updates now and waits for every write in flight. */
  async flush(): Promise<void> {
    for (const { timer, write } of [...this.timers.values()]) {
      clearTimeout(timer);
      write();
    }
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async create(regarding: KubeObject, input: EventInput, note: string, now: number, objectKey: string, eventKey: string): Promise<void> {
    const ev: KubeEvent = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${regarding.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: regarding.metadata.namespace ?? 'default' },
      eventTime: microTime(now),
      reportingController: this.o.controller ?? 'sluice.dev/operator',
      reportingInstance: this.o.instance.slice(0, 128),
      action: input.action,
      reason: input.reason,
      type: input.type,
      note,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: regarding.metadata.name,
        namespace: regarding.metadata.namespace,
        uid: regarding.metadata.uid,
        resourceVersion: regarding.metadata.resourceVersion,
      },
    };
    try {
      const created = await this.o.client.resource(Resources.events).create(ev);
      this.agg.created(objectKey, eventKey, created.metadata.name);
    } catch (err) {
      this.agg.forget(objectKey, eventKey);
      this.log.warn('recording an event failed', { object: keyOf(regarding), reason: input.reason, err });
    }
  }

  private async writeSeries(regarding: KubeObject, input: EventInput, note: string, name: string, objectKey: string, eventKey: string): Promise<void> {
    const now = this.now();
    const count = this.agg.count(objectKey, eventKey);
    this.agg.written(objectKey, eventKey, now);
    try {
      await this.o.client
        .resource(Resources.events)
        .patch(name, regarding.metadata.namespace ?? 'default', { type: 'merge', body: { series: { count, lastObservedTime: microTime(now) } } });
    } catch (err) {
      this.agg.forget(objectKey, eventKey);
      // The Event expired (the server keeps them about an hour): start a new one.
      if (isNotFound(err)) {
        if (this.agg.observe(objectKey, eventKey, now).kind === 'create') await this.create(regarding, input, note, now, objectKey, eventKey);
      } else this.log.warn('updating an event series failed', { object: keyOf(regarding), reason: input.reason, err });
    }
  }
}
