/**
 * A process that publishes to the embedded bus until it is killed, for the durability
 * test: `node test/support/bus-writer.ts <db path> <source> <concurrency>`. Batch b holds
 * messageIds b-0 … b-99; after a publish resolves it prints `ack <b>`, so every printed
 * batch was acknowledged to its caller (stdout to a pipe is written synchronously).
 */
import { openEmbeddedBus } from '../../runtime/src/bus/embedded.ts';
import type { SegmentEvent } from '../../runtime/src/event.ts';

export const BATCH = 100;

export function batchEvents(b: number): SegmentEvent[] {
  return Array.from({ length: BATCH }, (_, i) => ({
    type: 'track',
    messageId: `${b}-${i}`,
    event: 'Order Completed',
    userId: `user-${i}`,
    properties: { order_id: `o-${b}-${i}`, revenue: 12.5, padding: 'p'.repeat(200) },
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
  }));
}

async function main(): Promise<void> {
  const [path, source, concurrency] = process.argv.slice(2);
  if (!path || !source) throw new Error('usage: bus-writer.ts <db path> <source> [concurrency]');
  const bus = await openEmbeddedBus({ path });
  await bus.ensureSource(source, { retentionMs: 3_600_000 });
  process.stdout.write('ready\n');
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const b = next++;
      await bus.publish(source, batchEvents(b));
      process.stdout.write(`ack ${b}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency ?? 4) }, worker));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`bus-writer: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}
