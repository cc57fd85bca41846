import { createInbox, type Msg } from '@nats-io/transport-node';
import { BusError } from '../types.ts';
import { pullDeadline, pullPlan, pullStatus } from './decide.ts';
import type { Link } from './link.ts';

export interface PullRequest {
  stream: string;
  consumer: string;
  /** At most this many messages. */
  batch: number;
  /** 0: answer at once with what is there; otherwise wait up to this long for the batch. */
  waitMs: number;
  /** Ends the pull early with nothing (what arrived later is redelivered after ackWait). */
  signal?: AbortSignal;
  /** How long the server may stay silent past where it should have answered (default PULL_GRACE_MS). */
  graceMs?: number;
}

export interface PullResult {
  msgs: Msg[];
  /**
   * The client ended the request without having heard anything from the server: no message,
   * heartbeat or status. The server dropped the request, or the consumer does not exist
   * (nats-server says nothing then), or the server is stalled.
   */
  silent: boolean;
}

const encoder = new TextEncoder();
const NAK = encoder.encode('-NAK');

/**
 * One pull request to a JetStream consumer, straight on the wire: the client library's
 * fetch needs at least a second of expiry and cannot answer at once with what is there,
 * both of which a bus fetch needs. Messages arrive on a subscription of their own (they
 * carry their stream subject, not the inbox's). The server ends the request with a status
 * (404 nothing there, 408 expired) or once `batch` messages were sent, except when it does
 * not (PULL_GRACE_MS): the client then ends it itself a grace after the server should have
 * (or after heartbeats stop), keeps the subscription until the server has seen it go, and
 * hands back at once (NAK) whatever still arrives, so a forgotten request costs the grace,
 * not the request timeout or the ack wait.
 */
export function pull(link: Link, doing: string, req: PullRequest): Promise<PullResult> {
  link.guard(doing);
  return new Promise<PullResult>((resolve, reject) => {
    const got: Msg[] = [];
    const plan = pullPlan(req.batch, req.waitMs, req.graceMs);
    const sentAt = performance.now();
    let heardAt = sentAt;
    let lastMsgAt = sentAt;
    let heard = false;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const finish = (how: 'server' | 'client' | 'abort', error?: BusError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      req.signal?.removeEventListener('abort', onAbort);
      if (how === 'client') handOff();
      else sub.unsubscribe();
      if (error && got.length === 0) reject(error);
      else resolve({ msgs: got, silent: how === 'client' && !heard });
    };
    /** The server may still answer a request the client ended: drain, and nak what comes. */
    const handOff = (): void => {
      try {
        sub.drain().catch(() => undefined);
      } catch {
        sub.unsubscribe();
      }
    };
    const handBack = (msg: Msg): void => {
      if (!msg.reply || link.closed) return;
      try {
        link.nc.publish(msg.reply, NAK);
      } catch {
        // Disconnected: the server redelivers after ackWait.
      }
    };
    const onAbort = (): void => {
      got.length = 0;
      finish('abort');
    };
    const check = (): void => {
      if (settled) return;
      const due = pullDeadline(plan, sentAt, heardAt, lastMsgAt) - performance.now();
      if (due > 0) {
        timer = setTimeout(check, due);
        return;
      }
      // Replies may be waiting in the socket behind this timer: look again after I/O.
      setImmediate(() => {
        if (settled) return;
        if (pullDeadline(plan, sentAt, heardAt, lastMsgAt) <= performance.now()) finish('client');
        else check();
      });
    };

    const inbox = createInbox();
    const sub = link.nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err) return finish('server', new BusError(`${doing}: ${err.message}`, { kind: 'unavailable', cause: err }));
        const code = msg.headers?.code ?? 0;
        if (settled) {
          if (code === 0) handBack(msg);
          return;
        }
        heard = true;
        heardAt = performance.now();
        if (code === 0) {
          lastMsgAt = heardAt;
          got.push(msg);
          if (got.length >= req.batch) finish('server');
          return;
        }
        const status = pullStatus(code);
        if (status === 'done') finish('server');
        else if (status === 'failed') finish('server', new BusError(`${doing}: ${code} ${msg.headers?.description ?? ''}`.trimEnd(), { kind: 'unavailable' }));
      },
    });
    const unwatch = link.inbox.watch((error) => finish('server', error));
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort);
    try {
      link.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${req.stream}.${req.consumer}`, encoder.encode(JSON.stringify(plan.body)), { reply: inbox });
    } catch (cause) {
      return finish('server', new BusError(`${doing}: ${(cause as Error).message}`, { kind: 'unavailable', cause }));
    }
    check();
  });
}
