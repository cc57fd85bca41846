import { createInbox, type Msg } from '@nats-io/transport-node';
import { BusError } from '../types.ts';
import { PULL_GRACE_MS, pullBody, pullStatus, pullWaitMs } from './decide.ts';
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
}

const encoder = new TextEncoder();
const NAK = encoder.encode('-NAK');
/** How long a pull ended by the client keeps handing back what the server still sends it. */
const LINGER_MS = 5_000;

/**
 * One pull request to a JetStream consumer, straight on the wire: the client library's
 * fetch needs at least a second of expiry and cannot answer at once with what is there,
 * both of which a bus fetch needs. Messages arrive on a subscription of their own (they
 * carry their stream subject, not the inbox's). The server ends the request with a status
 * (404 nothing there, 408 expired) or once `batch` messages were sent; it stays silent when
 * the consumer does not exist, so a client-side timer bounds the wait. A waiting pull whose
 * heartbeats show the server holds it ends at its expiry plus a grace even without the 408
 * (see pullBody); events the server still sends to it after that are handed back at once
 * (NAK) rather than waiting out the ack wait.
 */
export function pull(link: Link, doing: string, req: PullRequest): Promise<Msg[]> {
  link.guard(doing);
  return new Promise<Msg[]>((resolve, reject) => {
    const got: Msg[] = [];
    let settled = false;
    let heard = false;
    const finish = (error?: BusError, linger = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(expiry);
      unwatch();
      // The server may still deliver to a request it failed to expire: stay to hand those back.
      if (linger) setTimeout(() => sub.unsubscribe(), LINGER_MS).unref();
      else sub.unsubscribe();
      req.signal?.removeEventListener('abort', onAbort);
      if (error && got.length === 0) reject(error);
      else resolve(got);
    };
    const onAbort = (): void => {
      got.length = 0;
      finish();
    };
    const inbox = createInbox();
    const sub = link.nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err) return finish(new BusError(`${doing}: ${err.message}`, { kind: 'unavailable', cause: err }));
        const code = msg.headers?.code ?? 0;
        if (settled) {
          if (code === 0 && msg.reply) msg.respond(NAK);
          return;
        }
        heard = true;
        if (code === 0) {
          got.push(msg);
          if (got.length >= req.batch) finish();
          return;
        }
        const status = pullStatus(code);
        if (status === 'done') finish();
        else if (status === 'failed') finish(new BusError(`${doing}: ${code} ${msg.headers?.description ?? ''}`.trimEnd(), { kind: 'unavailable' }));
      },
    });
    const unwatch = link.inbox.watch((error) => finish(error));
    const waitMs = pullWaitMs(req.waitMs);
    const limitMs = waitMs + link.requestTimeoutMs;
    const body = pullBody(req.batch, req.waitMs);
    const silent = (): void => finish(new BusError(`${doing}: no answer from NATS within ${Math.round(limitMs)} ms`, { kind: 'unavailable' }));
    const timer = setTimeout(silent, limitMs);
    const expiry =
      body.idle_heartbeat === undefined
        ? undefined
        : setTimeout(() => {
            if (heard) finish(undefined, true);
          }, waitMs + PULL_GRACE_MS);
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort);
    try {
      link.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${req.stream}.${req.consumer}`, encoder.encode(JSON.stringify(body)), { reply: inbox });
    } catch (cause) {
      finish(new BusError(`${doing}: ${(cause as Error).message}`, { kind: 'unavailable', cause }));
    }
  });
}
