import type { DestinationSpec, SourceSpec } from '../api/index.ts';
import { silentLogger, type Logger } from '../kube/index.ts';
import { NatsAdmin } from '../../../runtime/src/bus/nats/admin.ts';
import { BusError } from '../../../runtime/src/bus/types.ts';
import { consumersWanted, provisionDue, redactText, redactUrl, retentionMs, type Provisioned } from './decide.ts';
import { BusProvisionError, type BusProvisioner } from './types.ts';

export interface NatsProvisionerOptions {
  /** NATS URL(s), comma-separated; may carry credentials, which no message repeats. */
  url: string;
  log?: Logger;
  /** Bound on connecting, so an unreachable NATS fails a reconcile quickly (default 3 s). */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Stream and subject prefix; the runtime pods' default unless a test isolates itself. */
  prefix?: string;
  now?: () => number;
}

const MAX_MESSAGE = 512;

/**
 * Provisions on NATS JetStream through one connection, opened on first use and again
 * after a failed attempt; once open, the client reconnects by itself and calls fail fast
 * while it is away. Bus names carry the namespace and the resource's name, as the runtime
 * pods of that namespace name them (bus/nats/names.ts).
 */
export class NatsProvisioner implements BusProvisioner {
  readonly #opts: NatsProvisionerOptions;
  readonly #shown: string;
  readonly #log: Logger;
  #admin: NatsAdmin | undefined;
  #opening: Promise<NatsAdmin> | undefined;
  #closed = false;
  /** Per resource ('Source/<namespace>/<name>', 'Destination/<namespace>/<name>'): what was provisioned last. */
  readonly #done = new Map<string, Provisioned>();

  constructor(opts: NatsProvisionerOptions) {
    this.#opts = opts;
    this.#shown = redactUrl(opts.url);
    this.#log = opts.log ?? silentLogger;
  }

  async ensureSource(namespace: string, name: string, spec: SourceSpec): Promise<void> {
    const key = `Source/${namespace}/${name}`;
    const ms = retentionMs(spec);
    const fingerprint = String(ms);
    if (!this.#due(key, fingerprint)) return;
    await this.#run(`ensuring the streams of source ${namespace}/${name}`, (a) => a.in(namespace).ensureSource(name, ms));
    this.#remember(key, fingerprint);
  }

  async ensureDestination(namespace: string, name: string, spec: DestinationSpec, sources: readonly string[]): Promise<{ missingSources: string[] }> {
    const key = `Destination/${namespace}/${name}`;
    const wanted = consumersWanted(spec, sources, this.#now());
    if (!wanted) return { missingSources: [] };
    // The start time moves with the clock; only what the spec says matters here.
    const fingerprint = JSON.stringify([spec.startFrom ?? 'now', spec.delivery?.timeout ?? '', wanted.map((w) => w.source)]);
    if (!this.#due(key, fingerprint)) return { missingSources: [] };
    const r = await this.#run(`ensuring the consumers of destination ${namespace}/${name}`, (a) => a.in(namespace).ensureDestination(name, wanted));
    if (r.missingSources.length === 0) this.#remember(key, fingerprint);
    return r;
  }

  async deleteSource(namespace: string, name: string): Promise<void> {
    this.#done.delete(`Source/${namespace}/${name}`);
    await this.#run(`deleting the streams of source ${namespace}/${name}`, (a) => a.in(namespace).deleteSource(name));
  }

  async deleteDestination(namespace: string, name: string): Promise<void> {
    this.#done.delete(`Destination/${namespace}/${name}`);
    await this.#run(`deleting the consumers of destination ${namespace}/${name}`, (a) => a.in(namespace).deleteDestination(name));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const admin = this.#admin ?? (await this.#opening?.catch(() => undefined));
    this.#admin = undefined;
    await admin?.close();
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  #due(key: string, fingerprint: string): boolean {
    const due = provisionDue(this.#done.get(key), fingerprint, this.#now());
    if (due) this.#done.delete(key);
    return due;
  }

  #remember(key: string, fingerprint: string): void {
    this.#done.set(key, { fingerprint, at: this.#now() });
  }

  async #run<T>(doing: string, fn: (admin: NatsAdmin) => Promise<T>): Promise<T> {
    const admin = await this.#connect(doing);
    try {
      return await fn(admin);
    } catch (err) {
      throw this.#wrap(doing, err);
    }
  }

  async #connect(doing: string): Promise<NatsAdmin> {
    if (this.#closed) throw new BusProvisionError('BusUnavailable', `${doing}: the operator is stopping`);
    if (this.#admin) return this.#admin;
    this.#opening ??= NatsAdmin.open({
      servers: this.#opts.url.split(',').map((u) => u.trim()).filter((u) => u.length > 0),
      name: 'sluice-operator',
      connectTimeoutMs: this.#opts.connectTimeoutMs ?? 3_000,
      requestTimeoutMs: this.#opts.requestTimeoutMs ?? 5_000,
      ...(this.#opts.prefix ? { prefix: this.#opts.prefix } : {}),
      log: (level, message) => this.#log[level](redactText(message), { component: 'bus' }),
    }).finally(() => (this.#opening = undefined));
    let admin: NatsAdmin;
    try {
      admin = await this.#opening;
    } catch (err) {
      throw this.#wrap(doing, err);
    }
    if (this.#closed) {
      await admin.close();
      throw new BusProvisionError('BusUnavailable', `${doing}: the operator is stopping`);
    }
    if (!this.#admin) {
      this.#admin = admin;
      this.#log.info('connected to NATS for provisioning', { url: this.#shown });
    }
    return this.#admin;
  }

  #wrap(doing: string, err: unknown): BusProvisionError {
    if (err instanceof BusProvisionError) return err;
    const detail = redactText(err instanceof Error ? err.message : String(err));
    // The JetStream API answered and refused: the server is there, the request is wrong.
    const refused = err instanceof BusError && (err.kind === 'invalid' || serverRefused(err));
    const message = refused ? `${doing}: NATS at ${this.#shown} refused: ${detail}` : `${doing}: NATS at ${this.#shown} is unreachable: ${detail}`;
    return new BusProvisionError(refused ? 'BusError' : 'BusUnavailable', truncate(message), { cause: err });
  }
}

function serverRefused(err: Error): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'JetStreamApiError') return true;
  }
  return false;
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}
