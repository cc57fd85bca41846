// How the ingest ensures its Sources' streams on a real nats-server: before the first
// event even when NATS was down at start, to the operator's configuration, and never again
// once a Source's streams were removed by its deletion.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { event } from '../../runtime/src/bus/contract.ts';
import { NatsAdmin } from '../../runtime/src/bus/nats/admin.ts';
import { nanos } from '../../runtime/src/bus/nats/decide.ts';
import { openNatsBus, type NatsBus } from '../../runtime/src/bus/nats/index.ts';
import { BusError } from '../../runtime/src/bus/types.ts';
import { EnsuringBus } from '../../runtime/src/cluster/ingest.ts';
import type { RuntimeConfig } from '../../runtime/src/config.ts';
import { waitFor } from '../support/wait.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';

const config = (retention: string) => ({ sources: [{ name: 'web', spec: { retention } }], destinations: [] }) as unknown as RuntimeConfig;

async function maxAgeOf(url: string, stream: string): Promise<number | undefined> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(stream)).config.max_age;
  } catch {
    return undefined;
  } finally {
    await nc.close();
  }
}

describe('the ingest ensuring its sources on NATS', () => {
  let nats: NatsServer | undefined;
  let bus: NatsBus | undefined;

  afterEach(async () => {
    await bus?.close();
    await nats?.close();
    bus = nats = undefined;
  });

  it('creates the streams before the first event when NATS was down at start, with the retention the operator would set', async () => {
    nats = await startNatsServer();
    bus = await openNatsBus({ servers: nats.url, namespace: 'shop', requestTimeoutMs: 2_000 });
    const warnings: string[] = [];
    const ensuring = new EnsuringBus(bus, (_level, msg) => warnings.push(msg));
    await nats.stop();
    await waitFor(() => !bus!.connected, { what: 'the bus to notice NATS is gone' });
    await ensuring.set(config('2h'));
    expect(warnings.join('\n')).toMatch(/ensuring source web on the bus: .*trying again before its next event/);
    await expect(ensuring.publish('web', [event('a')])).rejects.toBeInstanceOf(BusError);

    await nats.start();
    await waitFor(() => bus!.connected, { timeoutMs: 15_000, what: 'the bus to reconnect' });
    expect(await ensuring.publish('web', [event('a')])).toEqual({ stored: 1, duplicates: 0 });
    expect(await maxAgeOf(nats.url, 'SLUICE_SRC_shop__web')).toBe(nanos(2 * 3_600_000));
    expect(await maxAgeOf(nats.url, 'SLUICE_QUAR_shop__web')).toBe(nanos(2 * 3_600_000));
  }, 40_000);

  it("follows a retention change on reload, and does not re-create a deleted Source's streams", async () => {
    nats = await startNatsServer();
    bus = await openNatsBus({ servers: nats.url, namespace: 'shop' });
    const ensuring = new EnsuringBus(bus, () => undefined);
    await ensuring.set(config('1h'));
    expect(await maxAgeOf(nats.url, 'SLUICE_SRC_shop__web')).toBe(nanos(3_600_000));
    await ensuring.set(config('3h'));
    expect(await maxAgeOf(nats.url, 'SLUICE_SRC_shop__web')).toBe(nanos(3 * 3_600_000));

    // The operator's cleanup finalizer removes them; events keep arriving at the old pods.
    const admin = await NatsAdmin.open({ servers: nats.url });
    try {
      await admin.in('shop').deleteSource('web');
    } finally {
      await admin.close();
    }
    await expect(ensuring.publish('web', [event('b')])).rejects.toSatisfy((e) => e instanceof BusError && e.kind === 'unknown-source');
    expect(await maxAgeOf(nats.url, 'SLUICE_SRC_shop__web')).toBeUndefined();
  }, 30_000);
});
