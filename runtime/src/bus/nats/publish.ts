import { headers } from '@nats-io/transport-node';
import type { Outgoing } from './inbox.ts';
import type { Link } from './link.ts';
import { parsePubAck } from './decide.ts';
import { BusError } from '../types.ts';

export interface Outbound {
  subject: string;
  body: Uint8Array;
  /** Sent as Nats-Msg-Id: the stream stores a given id once within its duplicate window. */
  msgId?: string;
}

export interface Published {
  stored: number;
  duplicates: number;
  /** Some subject had no stream (it was deleted, or never created). */
  noStream: boolean;
}

const decoder = new TextDecoder();

/**
 * Publishes messages pipelined and resolves once the stream acknowledged every one (a
 * PubAck means the server has written it; see index.ts for what that survives). Rejects
 * with `unavailable` when any is not acknowledged: some may be stored, and a retry with
 * the same ids is de-duplicated.
 */
export async function publishAll(link: Link, doing: string, items: Outbound[]): Promise<Published> {
  link.guard(doing);
  const out: Outgoing[] = items.map((m) => {
    if (m.msgId === undefined) return { subject: m.subject, data: m.body };
    const h = headers();
    h.set('Nats-Msg-Id', m.msgId);
    return { subject: m.subject, data: m.body, headers: h };
  });
  const replies = await link.inbox.requestAll(doing, out, link.requestTimeoutMs);
  const result: Published = { stored: 0, duplicates: 0, noStream: false };
  for (const reply of replies) {
    const ack = parsePubAck(reply.headers?.code ?? 0, decoder.decode(reply.data));
    if (ack.ok) {
      if (ack.duplicate) result.duplicates++;
      else result.stored++;
    } else if (ack.noStream) {
      result.noStream = true;
    } else {
      throw new BusError(`${doing}: the server refused a message: ${ack.message}`, { kind: 'unavailable' });
    }
  }
  return result;
}
