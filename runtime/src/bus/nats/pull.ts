import { createInbox, type Msg } from '@nats-io/transport-node';
import { BusError } from '../types.ts';
import { nanos, pullStatus } from './decide.ts';
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

/**
 * One pull request to a JetStream consumer, straight on the wire: the client library's
 * fetch needs at least a second of expiry and cannot answer at once with what is there,
 * both of which a bus fetch needs. Messages arrive on a subscription of their own (they
 * carry their stream subject, not the inbox's). The server ends the request with a status
 * (404 nothing there, 408 expired) or once `batch` messages were sent; it stays silent when
 * the consumer does not exist, so a client-side timer bounds the wait.
 */
export function pull(link: Link, doing: string, req: PullRequest): Promise<Msg[]> {
  link.guard(doing);
  return new Promise<Msg[]>((resolve, reject) => {
    const got: Msg[] = [];
    let settled = false;
    const finish = (error?: BusError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      sub.unsubscribe();
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
    const limitMs = req.waitMs + link.requestTimeoutMs;
    const timer = setTimeout(() => finish(new BusError(`${doing}: no answer from NATS within ${Math.round(limitMs)} ms`, { kind: 'unavailable' })), limitMs);
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort);
    const body = req.waitMs > 0 ? { batch: req.batch, expires: nanos(req.waitMs) } : { batch: req.batch, no_wait: true };
    try {
      link.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${req.stream}.${req.consumer}`, encoder.encode(JSON.stringify(body)), { reply: inbox });
    } catch (cause) {
      finish(new BusError(`${doing}: ${(cause as Error).message}`, { kind: 'unavailable', cause }));
    }
  });
}
