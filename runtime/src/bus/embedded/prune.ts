import type { BusLogger } from '../types.ts';
import type { ConsumerStore } from './consumers.ts';
import type { Holding } from './holding.ts';
import type { EventLog, SourceState } from './log.ts';
import { yieldToLoop } from './settle.ts';

export interface PruneContext {
  now: () => number;
  closed: () => boolean;
  sources: () => SourceState[];
  transact: <T>(fn: () => T) => T;
  events: EventLog;
  consumers: ConsumerStore;
  holding: Holding;
  purgeRetired: (id: number) => Promise<void>;
  strayRetentionMs: number;
  log: BusLogger | undefined;
}

/**
 * Deletes, per source, events, quarantine entries and dead letters older than its
 * retention, then the events of deleted sources. One chunk per transaction, yielding to
 * the event loop in between, so pruning a large backlog never stalls ingest for long.
 */
export async function pruneAll(ctx: PruneContext): Promise<void> {
  let events = 0;
  let held = 0;
  for (const source of ctx.sources()) {
    const cutoff = ctx.now() - source.retentionMs;
    for (;;) {
      if (ctx.closed()) return;
      const n = ctx.transact(() => ctx.events.pruneChunk(source, cutoff));
      if (n === 0) break;
      events += n;
      await yieldToLoop();
    }
    for (;;) {
      if (ctx.closed()) return;
      const n = ctx.transact(() => ctx.holding.pruneChunk(source, cutoff));
      if (n === 0) break;
      held += n;
      await yieldToLoop();
    }
    if (ctx.closed()) return;
    ctx.transact(() => ctx.consumers.dropOrphans(source, ctx.events.firstSeq(source)));
  }
  const live = ctx.sources().map((s) => s.name);
  held += ctx.transact(() => ctx.holding.pruneStrays(live, ctx.now() - ctx.strayRetentionMs));
  for (const id of ctx.transact(() => ctx.events.retired())) await ctx.purgeRetired(id);
  if (events + held > 0) ctx.log?.('info', `bus retention: deleted ${events} events and ${held} quarantined or dead-lettered entries`);
}
