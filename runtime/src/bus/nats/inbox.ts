import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { BusError } from '../types.ts';

/** Where replies to one request (or one pull) go, and what happens when the link fails. */
export interface Route {
  onMsg(msg: Msg): void;
  onFail(error: BusError): void;
}

export interface Outgoing {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
}

/** How many requests of one group are on the wire at once: bounds memory, keeps the pipe full. */
const WINDOW = 2_048;

/**
 * One wildcard subscription for every reply this process awaits, each request addressed
 * by a token. The client's own request API costs a subscription entry and a timer per
 * request; publishing 100 events and acking each delivery would pay that per event, so
 * requests here come in groups sharing one timer that restarts on every reply.
 */
export class Inbox {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #sub: Subscription;
  readonly #routes = new Map<string, Route>();
  #next = 0;

  constructor(nc: NatsConnection, onError: (message: string) => void) {
    this.#nc = nc;
    this.#prefix = createInbox();
    this.#sub = nc.subscribe(`${this.#prefix}.*`, {
      callback: (err, msg) => {
        if (err) return onError(`reading replies from NATS: ${err.message}`);
        this.#routes.get(msg.subject.slice(this.#prefix.length + 1))?.onMsg(msg);
      },
    });
  }

  get open(): number {
    return this.#routes.size;
  }

  /** Opens a reply address; `close` must be called once nothing more is expected on it. */
  route(r: Route): { reply: string; close: () => void } {
    const token = (this.#next++).toString(36);
    this.#routes.set(token, r);
    return { reply: `${this.#prefix}.${token}`, close: () => this.#routes.delete(token) };
  }

  /**
   * Registers for failure only, for replies that come on their own subscription (a pull's
   * messages keep their stream subject, so they cannot be routed by inbox token).
   */
  watch(onFail: (error: BusError) => void): () => void {
    return this.route({ onMsg: () => undefined, onFail }).close;
  }

  /** Fails everything awaiting a reply: the connection was lost or closed. */
  failAll(error: BusError): void {
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    for (const r of routes) r.onFail(error);
  }

  send(subject: string, data: Uint8Array, reply: string, headers?: MsgHdrs): void {
    this.#nc.publish(subject, data, headers ? { reply, headers } : { reply });
  }

  /** One request, one reply. */
  async request(doing: string, out: Outgoing, timeoutMs: number): Promise<Msg> {
    const [msg] = await this.requestAll(doing, [out], timeoutMs);
    return msg!;
  }

  /**
   * Sends every request (at most WINDOW unanswered at a time) and resolves with the replies
   * in order. Rejects when any cannot be sent, or when no reply arrives for `timeoutMs`.
   */
  requestAll(doing: string, items: Outgoing[], timeoutMs: number): Promise<Msg[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<Msg[]>((resolve, reject) => {
      const replies = new Array<Msg | undefined>(items.length);
      const open = new Set<() => void>();
      let sent = 0;
      let received = 0;
      let settled = false;
      const finish = (error?: BusError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        for (const close of open) close();
        open.clear();
        if (error) reject(error);
        else resolve(replies as Msg[]);
      };
      const timer = setTimeout(() => {
        finish(new BusError(`${doing}: no reply from NATS within ${timeoutMs} ms (${items.length - received} of ${items.length} outstanding)`, { kind: 'unavailable' }));
      }, timeoutMs);
      const sendNext = (): void => {
        const i = sent++;
        const item = items[i]!;
        let closeRoute = (): void => undefined;
        const route = this.route({
          onMsg: (msg) => {
            if (replies[i] !== undefined || settled) return;
            replies[i] = msg;
            closeRoute();
            open.delete(closeRoute);
            received++;
            timer.refresh();
            if (received === items.length) finish();
            else if (sent < items.length) sendNext();
          },
          onFail: (error) => finish(error),
        });
        closeRoute = route.close;
        open.add(closeRoute);
        try {
          this.send(item.subject, item.data, route.reply, item.headers);
        } catch (cause) {
          finish(new BusError(`${doing}: ${(cause as Error).message}`, { kind: 'unavailable', cause }));
        }
      };
      while (sent < items.length && sent < WINDOW && !settled) sendNext();
    });
  }

  close(): void {
    this.#sub.unsubscribe();
  }
}
