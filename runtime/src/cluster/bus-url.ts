import type { Bus, BusLogger } from '../bus/types.ts';

/** Where a runtime process finds the bus, from its `--bus` URL. */
export type BusTarget = { engine: 'nats'; servers: string[] } | { engine: 'embedded'; path: string };

export class BusUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BusUrlError';
  }
}

const HINT = 'expected nats://host:4222 (several comma-separated) or sqlite:<path>';

/**
 * `nats://host:port[,nats://other:port]` (also tls:// and ws(s)://, which the NATS client
 * speaks) → NATS JetStream; `sqlite:<path>` → the embedded bus, for a single node.
 */
export function parseBusUrl(url: string): BusTarget {
  const text = url.trim();
  if (text.length === 0 || text.length > 4096) throw new BusUrlError(`reading the bus URL: empty or too long; ${HINT}`);
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path.length === 0) throw new BusUrlError(`reading the bus URL "${text}": no file path after sqlite:; ${HINT}`);
    return { engine: 'embedded', path };
  }
  const servers = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const s of servers) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new BusUrlError(`reading the bus URL "${s}": not a URL; ${HINT}`);
    }
    if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol)) {
      throw new BusUrlError(`reading the bus URL "${s}": unknown scheme "${u.protocol.slice(0, -1)}"; ${HINT}`);
    }
    if (!u.hostname) throw new BusUrlError(`reading the bus URL "${s}": no host; ${HINT}`);
  }
  return { engine: 'nats', servers };
}

/**
 * `namespace` (NATS only): the resources' namespace, part of every bus name so a shared NATS
 * keeps namespaces apart; the embedded bus belongs to one process and needs none. Only the
 * engine the URL names is loaded.
 */
export async function openBus(url: string, opts: { name?: string; log?: BusLogger; namespace?: string } = {}): Promise<Bus> {
  const target = parseBusUrl(url);
  if (target.engine === 'embedded') {
    const { openEmbeddedBus } = await import('../bus/embedded.ts');
    return openEmbeddedBus({ path: target.path, ...(opts.log ? { log: opts.log } : {}) });
  }
  const { openNatsBus } = await import('../bus/nats/index.ts');
  return openNatsBus({
    servers: target.servers,
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  });
}
