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
  /** Writes for one series run one after another, so counts land in order. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Series with a count update scheduled (timer) or queued behind another write. */
  private readonly scheduled = new Map<string, { timer: NodeJS.Timeout | undefined; run: () => void }>();
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
    const ids: SeriesIds = { objectKey: regarding.metadata.uid ?? keyOf(regarding), eventKey: JSON.stringify([input.type, input.reason, input.action, note]) };
    const now = this.now();
    const d = this.agg.observe(ids.objectKey, ids.eventKey, now);
    if (d.kind === 'drop') {
      this.log.debug('event dropped: too many from this object', { object: keyOf(regarding), reason: input.reason });
      return;
    }
    const key = `${ids.objectKey}\u0000${ids.eventKey}`;
    if (d.kind === 'create') {
      this.enqueue(key, () => this.create(regarding, input, note, now, ids));
      return;
    }
    // One pending update carries the latest count, however many repeats arrive meanwhile.
    if (this.scheduled.has(key)) return;
    const run = () => {
      const entry = this.scheduled.get(key);
      if (entry?.timer) clearTimeout(entry.timer);
      this.scheduled.delete(key);
      this.enqueue(key, () => this.writeSeries(regarding, input, note, ids));
    };
    // unref: a pending count update must not keep a stopping process alive (flush() sends it).
    const timer = d.writeInMs > 0 ? setTimeout(run, d.writeInMs).unref() : undefined;
    this.scheduled.set(key, { timer, run });
    if (!timer) run();
  }

  /** Sends pending series updates now and waits for every write in flight. */
  async flush(): Promise<void> {
    for (const { run } of [...this.scheduled.values()]) run();
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private enqueue(key: string, write: () => Promise<void>): void {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(write);
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async create(regarding: KubeObject, input: EventInput, note: string, now: number, ids: SeriesIds): Promise<void> {
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
      this.agg.created(ids.objectKey, ids.eventKey, created.metadata.name);
    } catch (err) {
      this.agg.forget(ids.objectKey, ids.eventKey);
      this.log.warn('recording an event failed', { object: keyOf(regarding), reason: input.reason, err });
    }
  }

  private async writeSeries(regarding: KubeObject, input: EventInput, note: string, ids: SeriesIds): Promise<void> {
    const cur = this.agg.current(ids.objectKey, ids.eventKey);
    // No name: the create failed (and was logged); the next repeat starts over.
    if (!cur?.name) return;
    const now = this.now();
    this.agg.written(ids.objectKey, ids.eventKey, now);
    try {
      await this.o.client
        .resource(Resources.events)
        .patch(cur.name, regarding.metadata.namespace ?? 'default', { type: 'merge', body: { series: { count: cur.count, lastObservedTime: microTime(now) } } });
    } catch (err) {
      this.agg.forget(ids.objectKey, ids.eventKey);
      // The Event expired (the server keeps them about an hour): start a new one.
      if (isNotFound(err)) {
        if (this.agg.observe(ids.objectKey, ids.eventKey, now).kind === 'create') await this.create(regarding, input, note, now, ids);
      } else this.log.warn('updating an event series failed', { object: keyOf(regarding), reason: input.reason, err });
    }
  }
}

interface SeriesIds {
  objectKey: string;
  eventKey: string;
}
