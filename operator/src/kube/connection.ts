import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import type { Auth, Endpoint, Material } from './kubeconfig.ts';
import type { LibraryAuth } from './library.ts';

/** What one request goes out with. */
export interface Prepared {
  agent: HttpAgent;
  headers: Record<string, string>;
}

export interface ConnectionOptions {
  /** Loads the client library's authentication, for `auth.kind === 'library'` only. */
  library?: () => Promise<LibraryAuth>;
  /** How long a token read from a file is used before it is read again. Default 60 s (client-go's). */
  tokenMaxAgeMs?: number;
  /** How long an agent serves before a fresh one re-reads certificate files. Default 10 min. */
  poolMaxAgeMs?: number;
  now?: () => number;
}

/** Idle keep-alive sockets kept per agent: the operator's workers, informers and events need about this many at once. */
const MAX_FREE_SOCKETS = 16;
/** Sockets per agent; more requests queue in the agent rather than open thousands of connections under a burst. */
const MAX_SOCKETS = 64;
/** An old pool's requests (30 s timeouts) are done by then. */
const RETIRE_AFTER_MS = 60_000;

/**
 * Connections to one API server: a keep-alive pool for ordinary requests, fresh sockets for
 * watches (one that goes silent is dropped with its watch, never reused), a bearer token
 * re-read from its file as it rotates, certificate files re-read with each new pool.
 */
export class Connection {
  readonly endpoint: Endpoint;
  private readonly opts: ConnectionOptions;
  private readonly now: () => number;
  private pools: { pooled: HttpAgent; stream: HttpAgent; since: number } | undefined;
  private token: { value: string; readAt: number } | undefined;
  private library: Promise<LibraryAuth> | undefined;
  private readonly retiring = new Set<NodeJS.Timeout>();

  constructor(endpoint: Endpoint, opts: ConnectionOptions = {}) {
    this.endpoint = endpoint;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** The agent and authentication headers for one request; `stream` for a watch. */
  async prepare(kind: 'pooled' | 'stream'): Promise<Prepared> {
    const auth = this.endpoint.auth;
    if (auth.kind === 'library') return this.viaLibrary();
    const pools = this.currentPools();
    return { agent: kind === 'stream' ? pools.stream : pools.pooled, headers: await this.authHeaders(auth) };
  }

  /** Closes idle sockets; requests in flight finish. */
  close(): void {
    for (const t of this.retiring) clearTimeout(t);
    this.retiring.clear();
    this.pools?.pooled.destroy();
    this.pools = undefined;
  }

  private currentPools(): { pooled: HttpAgent; stream: HttpAgent } {
    const now = this.now();
    if (this.pools && now - this.pools.since < (this.opts.poolMaxAgeMs ?? 600_000)) return this.pools;
    const old = this.pools;
    const tls = this.endpoint.server.startsWith('https:') ? tlsOptions(this.endpoint) : undefined;
    const make = (o: { maxSockets: number; maxFreeSockets: number }) =>
      tls ? new HttpsAgent({ ...tls, ...o, keepAlive: true, scheduling: 'lifo' }) : new HttpAgent({ ...o, keepAlive: true, scheduling: 'lifo' });
    // Watches: a socket each, never queued. An aborted (silent) watch destroys its socket; one
    // the server ended cleanly may serve the next watch. Kept alive, so the server does not
    // close it at the end of a watch while the client still reads.
    this.pools = { pooled: make({ maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS }), stream: make({ maxSockets: Infinity, maxFreeSockets: 1 }), since: now };
    if (old) {
      // Watches on the old stream agent end on their own; its pool closes once its requests are done.
      const t = setTimeout(() => {
        this.retiring.delete(t);
        old.pooled.destroy();
      }, RETIRE_AFTER_MS);
      t.unref();
      this.retiring.add(t);
    }
    return this.pools;
  }

  private async authHeaders(auth: Exclude<Auth, { kind: 'library' }>): Promise<Record<string, string>> {
    switch (auth.kind) {
      case 'none':
        return {};
      case 'token':
        return { Authorization: `Bearer ${auth.token}` };
      case 'basic':
        return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
      case 'tokenFile':
        return { Authorization: `Bearer ${await this.fileToken(auth.path)}` };
    }
  }

  private async fileToken(path: string): Promise<string> {
    const now = this.now();
    if (this.token && now - this.token.readAt < (this.opts.tokenMaxAgeMs ?? 60_000)) return this.token.value;
    try {
      const value = (await readFile(path, 'utf8')).trim();
      if (!value) throw new Error('the file is empty');
      this.token = { value, readAt: now };
    } catch (err) {
      // A rotation caught half-way: the previous token is still valid for a while.
      if (this.token) return this.token.value;
      throw new Error(`reading the bearer token from ${path}: ${(err as Error).message}`, { cause: err });
    }
    return this.token.value;
  }

  private async viaLibrary(): Promise<Prepared> {
    const load = this.opts.library;
    if (!load) throw new Error(`connecting to ${this.endpoint.server}: this kubeconfig needs the client library, and none was given`);
    this.library ??= load();
    const apply = await this.library;
    const o: RequestOptions = { headers: {} };
    await apply(o);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (o.auth) headers.Authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    const agent = o.agent instanceof HttpAgent ? o.agent : this.currentPools().pooled;
    return { agent, headers };
  }
}

function tlsOptions(e: Endpoint): { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string } {
  return {
    ...(e.ca ? { ca: read(e.ca, 'the certificate authority') } : {}),
    ...(e.cert ? { cert: read(e.cert, 'the client certificate') } : {}),
    ...(e.key ? { key: read(e.key, 'the client key') } : {}),
    rejectUnauthorized: !e.insecure,
    ...(e.serverName ? { servername: e.serverName } : {}),
  };
}

function read(m: Material, what: string): Buffer {
  if ('data' in m) return m.data;
  try {
    return readFileSync(m.file);
  } catch (err) {
    throw new Error(`reading ${what} from ${m.file}: ${(err as Error).message}`, { cause: err });
  }
}
