import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusError, type BusLogger } from '../types.ts';
import { Inbox } from './inbox.ts';

export interface LinkOptions {
  servers: string | string[];
  name: string;
  /** Bound on every request to the server (publish acks, API calls, acks). */
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  log?: BusLogger;
}

/**
 * The connection to NATS and its state. The client reconnects on its own; while it is
 * disconnected every bus call fails at once with `unavailable` instead of queueing (the
 * ingest answers 503 and SDKs retry), and whatever awaited a reply when the connection
 * dropped fails too, since the server will not answer it.
 */
export class Link {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly inbox: Inbox;
  readonly requestTimeoutMs: number;
  readonly #log: BusLogger | undefined;
  #connected = true;
  #closed = false;
  #lost!: Promise<never>;
  #loseNow!: (e: BusError) => void;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, opts: LinkOptions) {
    this.nc = nc;
    this.jsm = jsm;
    this.requestTimeoutMs = opts.requestTimeoutMs;
    this.#log = opts.log;
    this.inbox = new Inbox(nc, (m) => this.#log?.('error', m));
    this.#arm();
    void this.#watch();
  }

  static async open(opts: LinkOptions): Promise<Link> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: opts.servers,
        name: opts.name,
        timeout: opts.connectTimeoutMs,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        reconnectJitter: 250,
        // Notice a dead peer within ~30 s even when the socket stays open.
        pingInterval: 10_000,
        maxPingOut: 3,
      });
    } catch (cause) {
      throw new BusError(`connecting to NATS at ${String(opts.servers)}: ${(cause as Error).message}`, { kind: 'unavailable', cause });
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: opts.requestTimeoutMs });
      return new Link(nc, jsm, opts);
    } catch (cause) {
      await nc.close();
      throw new BusError(`opening JetStream at ${String(opts.servers)}: ${(cause as Error).message}`, { kind: 'unavailable', cause });
    }
  }

  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Throws unless the link can carry a call now. */
  guard(doing: string): void {
    if (this.#closed) throw new BusError(`${doing}: the bus is closed`, { kind: 'closed' });
    if (!this.#connected) throw new BusError(`${doing}: not connected to NATS (reconnecting)`, { kind: 'unavailable' });
  }

  /**
   * Runs a JetStream API call: fails at once when disconnected, fails when the connection
   * drops meanwhile, and turns every error into a BusError. `fn` may return undefined for
   * "not found" (see orMissing).
   */
  async api<T>(doing: string, fn: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
    this.guard(doing);
    try {
      return await Promise.race([fn(this.jsm), this.#lost]);
    } catch (cause) {
      throw asBusError(doing, cause);
    }
  }

  /** Rejects when the connection drops or the link closes; for racing against a wait. */
  get lost(): Promise<never> {
    return this.#lost;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new BusError('using the bus: it is closed', { kind: 'closed' });
    this.#loseNow(closed);
    this.inbox.failAll(closed);
    this.inbox.close();
    try {
      await this.nc.close();
    } catch (cause) {
      this.#log?.('warn', `closing the NATS connection: ${(cause as Error).message}`);
    }
  }

  #arm(): void {
    this.#lost = new Promise<never>((_, reject) => (this.#loseNow = reject));
    // Nobody may be racing it when it rejects.
    this.#lost.catch(() => undefined);
  }

  async #watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        if (!this.#connected) continue;
        this.#connected = false;
        this.#log?.('warn', `lost the connection to NATS at ${s.server}; reconnecting`);
        const lost = new BusError(`lost the connection to NATS at ${s.server}`, { kind: 'unavailable' });
        this.#loseNow(lost);
        this.#arm();
        this.inbox.failAll(lost);
      } else if (s.type === 'reconnect') {
        this.#connected = true;
        this.#log?.('info', `reconnected to NATS at ${s.server}`);
      } else if (s.type === 'error') {
        this.#log?.('warn', `NATS reported: ${s.error.message}`);
      }
    }
  }
}

const MISSING = new Set(['StreamNotFoundError', 'ConsumerNotFoundError']);
/** JetStream API codes meaning "no such thing": stream, consumer, message. */
const MISSING_CODES = new Set([10059, 10014, 10037]);

export function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (MISSING.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  return error.name === 'JetStreamApiError' && typeof code === 'number' && MISSING_CODES.has(code);
}

/** Resolves undefined instead of rejecting when the stream, consumer or message does not exist. */
export async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export function asBusError(doing: string, cause: unknown): BusError {
  if (cause instanceof BusError) return cause.message.startsWith(doing) ? cause : new BusError(`${doing}: ${cause.message}`, { kind: cause.kind, cause });
  const message = cause instanceof Error ? cause.message : String(cause);
  return new BusError(`${doing}: ${message}`, { kind: 'unavailable', cause });
}
