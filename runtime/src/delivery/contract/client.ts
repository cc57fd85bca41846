import type { DestinationClient, DestinationContext, DestinationType, OutboundEvent, SendResult } from '../types.ts';

/** A client of `type` for the length of `fn`, closed after it whatever happens. */
export async function withDestination<S>(type: DestinationType<S>, ctx: DestinationContext<S>, fn: (c: DestinationClient) => Promise<void>): Promise<void> {
  const client = type.create(ctx);
  try {
    await fn(client);
  } finally {
    await client.close?.();
  }
}

/** One send with its own deadline, as the delivery worker gives it. */
export const send = (c: DestinationClient, batch: OutboundEvent[], timeoutMs = 5000): Promise<SendResult[]> => c.send(batch, AbortSignal.timeout(timeoutMs));

export const errorOf = (r: SendResult | undefined) => (r && !r.ok ? r.error : undefined);
