import type { BusLogger, StartFrom } from '../types.ts';
import {
  DAY_MS,
  NATS_DEFAULTS,
  checkCount,
  checkName,
  consumerConfig,
  deadLetterStreamConfig,
  quarantineStreamConfig,
  sourceStreamConfig,
  type DesiredConsumer,
  type DesiredStream,
  type StreamSettings,
} from './decide.ts';
import { Holding } from './holding.ts';
import { Link, isMissing, orMissing } from './link.ts';
import { Names, token, type Token } from './names.ts';
import { ensureStream, streamNames } from './streams.ts';

/**
 * Creating and removing the JetStream objects of Sources and Destinations, shared by the
 * bus (runtime pods create what is missing) and the operator (which owns their settings).
 * Both derive every configuration from decide.ts with the same NATS_DEFAULTS, so they
 * agree and never rewrite each other's settings.
 */
export interface AdminContext {
  readonly link: Link;
  readonly names: Names;
  readonly streams: StreamSettings;
  readonly holding: Holding;
}

export const MAX_RETENTION_MS = 100 * 365 * DAY_MS;

/** A Source's event stream and quarantine stream, retention as the Source's. */
export function sourceStreams(n: Names, source: string, retentionMs: number, s: StreamSettings): DesiredStream[] {
  const tok = token(source);
  return [
    sourceStreamConfig(n.sourceStream(tok), [n.eventSubject(tok), n.replaySubjects(tok)], source, retentionMs, s),
    quarantineStreamConfig(n.quarantineStream(tok), n.quarantineSubject(tok), source, retentionMs, s),
  ];
}

/** Creates a Source's streams, or brings their retention in line. */
export async function ensureSourceStreams(c: AdminContext, source: string, retentionMs: number): Promise<Token> {
  const doing = `ensuring source ${source}`;
  c.link.guard(doing);
  checkName('source', source);
  const ms = checkCount('retention', retentionMs, 1, MAX_RETENTION_MS);
  await Promise.all(sourceStreams(c.names, source, ms, c.streams).map((d) => ensureStream(c.link, doing, d)));
  return token(source);
}

/** Removes a Source's streams (its consumers go with them) and its dead letters at every destination. */
export async function removeSource(c: AdminContext, source: string): Promise<void> {
  const doing = `deleting source ${source}`;
  c.link.guard(doing);
  checkName('source', source);
  const tok = token(source);
  await c.link.api(doing, (jsm) => Promise.all([orMissing(jsm.streams.delete(c.names.sourceStream(tok))), orMissing(jsm.streams.delete(c.names.quarantineStream(tok)))]));
  await c.holding.forgetSource(tok, source);
}

/** Removes a Destination's consumers on every source stream, its replays, and its dead-letter stream. */
export async function removeDestination(c: AdminContext, destination: string): Promise<void> {
  const doing = `deleting destination ${destination}`;
  c.link.guard(doing);
  checkName('destination', destination);
  const dest = token(destination);
  await c.link.api(doing, async (jsm) => {
    const streams = await streamNames(jsm, c.names.allEvents);
    await Promise.all(
      streams.map((stream) => {
        const source = c.names.sourceOf(stream);
        return source ? dropConsumers(c, stream, dest, source) : Promise.resolve();
      }),
    );
  });
  await c.holding.deleteDeadLetters(dest, destination);
}

async function dropConsumers(c: AdminContext, stream: string, dest: Token, source: Token): Promise<void> {
  const n = c.names;
  // The event consumer last: once it is gone, so is everything else of the pair.
  await c.link.api(`removing consumer ${n.consumer(dest, source)}`, async (jsm) => {
    await Promise.all([orMissing(jsm.consumers.delete(stream, n.replayConsumer(dest, source))), orMissing(jsm.streams.purge(stream, { filter: n.replaySubject(source, dest) }))]);
    await orMissing(jsm.consumers.delete(stream, n.consumer(dest, source)));
  });
}

export interface NatsAdminOptions {
  servers: string | string[];
  prefix?: string;
  name?: string;
  log?: BusLogger;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** One (Destination, Source) pair's consumers, as delivery would create them. */
export interface ConsumerWanted {
  source: string;
  startFrom: StartFrom;
  ackWaitMs: number;
}

/**
 * The operator's handle on JetStream: one connection for every namespace; `in(namespace)`
 * creates, updates and removes what Sources and Destinations need there, before any
 * runtime pod asks for it and after they are gone.
 */
export class NatsAdmin {
  readonly #link: Link;
  readonly #prefix: string;
  readonly #streams: StreamSettings;

  private constructor(link: Link, prefix: string, streams: StreamSettings) {
    this.#link = link;
    this.#prefix = prefix;
    this.#streams = streams;
  }

  static async open(opts: NatsAdminOptions): Promise<NatsAdmin> {
    const prefix = new Names(opts.prefix ?? NATS_DEFAULTS.prefix).prefix;
    const link = await Link.open({
      servers: opts.servers,
      name: opts.name ?? 'sluice-admin',
      requestTimeoutMs: opts.requestTimeoutMs ?? 5_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      ...(opts.log ? { log: opts.log } : {}),
    });
    return new NatsAdmin(link, prefix, { duplicateWindowMs: NATS_DEFAULTS.duplicateWindowMs, replicas: NATS_DEFAULTS.replicas });
  }

  get connected(): boolean {
    return this.#link.connected;
  }

  /**
   * The bus objects of one namespace's resources, named as its runtime pods name them
   * (names.ts); undefined: the names of a bus opened without a namespace (`sluice run`).
   */
  in(namespace: string | undefined): NamespaceAdmin {
    const names = new Names(this.#prefix, namespace);
    const holding = new Holding({ link: this.#link, names, streams: this.#streams, deadLetterRetentionMs: NATS_DEFAULTS.deadLetterRetentionMs });
    return new NamespaceAdmin({ link: this.#link, names, streams: this.#streams, holding });
  }

  close(): Promise<void> {
    return this.#link.close();
  }
}

/** NatsAdmin's work within one namespace. */
export class NamespaceAdmin {
  readonly #c: AdminContext;

  constructor(c: AdminContext) {
    this.#c = c;
  }

  get names(): Names {
    return this.#c.names;
  }

  async ensureSource(source: string, retentionMs: number): Promise<void> {
    await ensureSourceStreams(this.#c, source, retentionMs);
  }

  /**
   * The dead-letter stream and, per wanted source, the event and replay consumers; the
   * consumers of every other source are removed. A consumer that exists is left as it is:
   * where it starts is fixed at creation (it resumes), and its ack wait is the delivery
   * pods' to tune. Resolves with the sources whose stream does not exist yet.
   */
  async ensureDestination(destination: string, wanted: readonly ConsumerWanted[]): Promise<{ missingSources: string[] }> {
    const c = this.#c;
    const n = c.names;
    const doing = `ensuring destination ${destination}`;
    c.link.guard(doing);
    checkName('destination', destination);
    const dest = token(destination);
    await ensureStream(c.link, doing, deadLetterStreamConfig(n.deadLetterStream(dest), n.deadLetterSubjects(dest), destination, NATS_DEFAULTS.deadLetterRetentionMs, c.streams));

    const missingSources: string[] = [];
    const s = { maxAckPending: NATS_DEFAULTS.maxAckPending, replicas: c.streams.replicas };
    await Promise.all(
      wanted.map(async (w) => {
        checkName('source', w.source);
        const tok = token(w.source);
        const stream = n.sourceStream(tok);
        const ack = { ...s, ackWaitMs: checkCount('ackWait', w.ackWaitMs, 1, 7 * DAY_MS) };
        const created = await Promise.all([
          createConsumer(c.link, doing, stream, consumerConfig(n.consumer(dest, tok), n.eventSubject(tok), `Sluice: ${w.source} for ${destination}`, w.startFrom, ack)),
          createConsumer(c.link, doing, stream, consumerConfig(n.replayConsumer(dest, tok), n.replaySubject(tok, dest), `Sluice: replayed dead letters of ${w.source} for ${destination}`, 'all', ack)),
        ]);
        if (created.includes('no-stream')) missingSources.push(w.source);
      }),
    );

    const keep = new Set(wanted.map((w) => token(w.source)));
    await c.link.api(doing, async (jsm) => {
      const streams = await streamNames(jsm, n.allEvents);
      await Promise.all(
        streams.map(async (stream) => {
          const source = n.sourceOf(stream);
          if (!source || keep.has(source)) return;
          if (await orMissing(jsm.consumers.info(stream, n.consumer(dest, source)))) await dropConsumers(c, stream, dest, source);
        }),
      );
    });
    return { missingSources: missingSources.sort() };
  }

  deleteSource(source: string): Promise<void> {
    return removeSource(this.#c, source);
  }

  deleteDestination(destination: string): Promise<void> {
    return removeDestination(this.#c, destination);
  }

}

/** Creates the durable unless it exists; 'no-stream' when its stream does not exist (yet). */
async function createConsumer(link: Link, doing: string, stream: string, desired: DesiredConsumer): Promise<'exists' | 'created' | 'no-stream'> {
  const name = desired.durable_name!;
  return link.api(doing, async (jsm) => {
    try {
      if (await orMissing(jsm.consumers.info(stream, name))) return 'exists';
      await jsm.consumers.add(stream, desired);
      return 'created';
    } catch (error) {
      if (isMissing(error)) return 'no-stream';
      // Created by a delivery pod meanwhile.
      if (await orMissing(jsm.consumers.info(stream, name))) return 'exists';
      throw error;
    }
  });
}
