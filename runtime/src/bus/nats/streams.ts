import type { JetStreamManager } from '@nats-io/jetstream';
import { consumerChanges, streamChanges } from './decide.ts';
import { orMissing, type Link } from './link.ts';

/** JetStream API error: a stream of that name exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;

/** Creates the stream, or updates what differs (retention, de-duplication window, replicas). */
export async function ensureStream(link: Link, doing: string, desired: Parameters<typeof streamChanges>[1]): Promise<void> {
  await link.api(doing, async (jsm) => {
    let si = await orMissing(jsm.streams.info(desired.name));
    if (!si) {
      try {
        await jsm.streams.add(desired);
        return;
      } catch (error) {
        // Another process created it first.
        if ((error as { code?: unknown }).code !== STREAM_NAME_IN_USE) throw error;
        si = await jsm.streams.info(desired.name);
      }
    }
    const changes = streamChanges(si.config, desired);
    if (changes) await jsm.streams.update(desired.name, changes);
  });
}

/** Creates the durable consumer, or brings an existing one's ackWait and limits in line (it keeps its position). */
export async function ensureConsumer(link: Link, doing: string, stream: string, desired: Parameters<typeof consumerChanges>[1]): Promise<void> {
  await link.api(doing, async (jsm) => {
    const name = desired.durable_name!;
    const ci = await orMissing(jsm.consumers.info(stream, name));
    if (!ci) {
      await jsm.consumers.add(stream, desired);
      return;
    }
    const changes = consumerChanges(ci.config, desired);
    if (changes) await jsm.consumers.update(stream, name, changes);
  });
}

/** Names of every stream storing subjects that match `subject`, across all pages. */
export async function streamNames(jsm: JetStreamManager, subject: string): Promise<string[]> {
  const out: string[] = [];
  for await (const name of jsm.streams.names(subject)) out.push(name);
  return out;
}
