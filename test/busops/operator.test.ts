// The operator provisioning NATS JetStream for Sources and Destinations, on a real control
// plane and a real nats-server: streams and consumers appear with the spec's retention and
// start, follow spec changes, disappear with their resources (finalizers released), and an
// unreachable NATS shows as Ready=False BusUnavailable until it is back.
import { jetstreamManager, type ConsumerInfo, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination, Source } from '../../operator/src/api/index.ts';
import type { Operator } from '../../operator/src/main.ts';
import { nanos } from '../../runtime/src/bus/nats/decide.ts';
import { waitFor } from '../support/wait.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';
import { runOperator, startOperatorEnv, type OperatorEnv } from '../operator/env.ts';

const HOUR = 3_600_000;
type Conditioned = { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };

let env: OperatorEnv;
let nats: NatsServer;
let operator: Operator;
let nc: NatsConnection;
let jsm: JetStreamManager;
let ns: string;

beforeAll(async () => {
  [env, nats] = await Promise.all([startOperatorEnv(), startNatsServer()]);
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  jsm = await jetstreamManager(nc);
  // Credentials in the URL must never reach a status message.
  operator = await runOperator(env, { natsUrl: nats.url.replace('nats://', 'nats://operator:s3cret@') });
  ns = await env.namespace('busops');
  await env.apply(ns, [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'key' }, stringData: { writeKey: 'k' } }]);
}, 300_000);
afterAll(async () => {
  await operator?.stop();
  await nc?.close();
  await Promise.all([env?.stop(), nats?.close()]);
}, 60_000);

const source = (name: string, retention: string): Source =>
  ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', metadata: { name }, spec: { writeKeys: [{ secretRef: { name: 'key', key: 'writeKey' } }], retention, replicas: 0 } });
const destination = (name: string, sources: string[], startFrom: string): Destination =>
  ({
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Destination',
    metadata: { name },
    spec: { type: 'webhook', sources: sources.map((s) => ({ name: s })), settings: { url: 'http://127.0.0.1:9/events' }, startFrom, replicas: 0 },
  });

const orNone = <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);
const stream = (name: string): Promise<StreamInfo | undefined> => orNone(jsm.streams.info(name));
const consumer = (s: string, name: string): Promise<ConsumerInfo | undefined> => orNone(jsm.consumers.info(s, name));
/** Bus names carry the namespace (runtime/src/bus/nats/names.ts). */
const SRC = (source: string, namespace = ns) => `SLUICE_SRC_${namespace}__${source}`;
const QUAR = (source: string, namespace = ns) => `SLUICE_QUAR_${namespace}__${source}`;
const DLQ = (destination: string, namespace = ns) => `SLUICE_DLQ_${namespace}__${destination}`;
const ready = (obj: Conditioned | undefined, type = 'Ready') => obj?.status?.conditions?.find((c) => c.type === type);

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  return waitFor(probe, { timeoutMs, intervalMs: 200, what });
}

async function gone(what: string): Promise<void> {
  await until(`${what} to be deleted`, async () => (await env.get(ns, what)) === undefined);
}

describe('the operator provisioning NATS', () => {
  it('creates a Source’s streams and a Destination’s dead-letter stream and consumers, started at startFrom', async () => {
    const created = Date.now();
    await env.apply(ns, [source('alpha', '2h'), source('beta', '2h'), destination('hook', ['alpha', 'beta'], '1h')]);
    const events = await until('the stream of alpha', () => stream(SRC('alpha')));
    expect(events.config).toMatchObject({ max_age: nanos(2 * HOUR), storage: 'file', subjects: expect.arrayContaining([`SLUICE.src.${ns}.alpha`]) as unknown });
    expect((await until('the quarantine of alpha', () => stream(QUAR('alpha')))).config.max_age).toBe(nanos(2 * HOUR));
    await until('the dead-letter stream of hook', () => stream(DLQ('hook')));

    for (const s of ['alpha', 'beta']) {
      const c = await until(`the consumer of hook on ${s}`, () => consumer(SRC(s), `hook__${s}`));
      expect(c.config).toMatchObject({ durable_name: `hook__${s}`, deliver_policy: 'by_start_time', ack_policy: 'explicit', filter_subject: `SLUICE.src.${ns}.${s}` });
      const start = Date.parse(c.config.opt_start_time!);
      expect(start).toBeGreaterThanOrEqual(created - HOUR - 1_000);
      expect(start).toBeLessThanOrEqual(Date.now() - HOUR + 1_000);
      expect(await consumer(SRC(s), `hook__${s}__replay`)).toBeDefined();
    }
    const src = await until('alpha Ready', async () => {
      const o = await env.get<Source>(ns, 'source alpha');
      return ready(o)?.status === 'True' ? o : undefined;
    });
    expect(src.metadata.finalizers).toEqual(['sluice.dev/cleanup']);
  }, 60_000);

  it('updates the retention when the Source’s spec changes', async () => {
    await env.apply(ns, [source('alpha', '5h')]);
    await until('alpha kept 5h', async () => (await stream(SRC('alpha')))?.config.max_age === nanos(5 * HOUR));
    await until('alpha quarantine kept 5h', async () => (await stream(QUAR('alpha')))?.config.max_age === nanos(5 * HOUR));
  }, 40_000);

  it('removes the consumer of a source the Destination no longer reads, and keeps the others where they were', async () => {
    const before = (await consumer(SRC('alpha'), 'hook__alpha'))!.created;
    await env.apply(ns, [destination('hook', ['alpha'], 'now')]);
    await until('the consumer on beta to go', async () => (await consumer(SRC('beta'), 'hook__beta')) === undefined);
    expect(await consumer(SRC('beta'), 'hook__beta__replay')).toBeUndefined();
    // startFrom changed to now, but an existing consumer resumes where it is.
    const alpha = (await consumer(SRC('alpha'), 'hook__alpha'))!;
    expect(alpha.created).toBe(before);
    expect(alpha.config.deliver_policy).toBe('by_start_time');
  }, 40_000);

  it('removes everything a deleted Destination (after its delivery pods) and Source left, and releases their finalizers', async () => {
    await env.cp.kubectlOk(['delete', '-n', ns, 'destination', 'hook', '--wait=false']);
    await gone('destination hook');
    // Its delivery pods were stopped first: they would have created their consumers again.
    expect(await env.get(ns, 'deployment hook-deliver')).toBeUndefined();
    expect(await stream(DLQ('hook'))).toBeUndefined();
    expect(await consumer(SRC('alpha'), 'hook__alpha')).toBeUndefined();
    expect(await consumer(SRC('alpha'), 'hook__alpha__replay')).toBeUndefined();

    await env.cp.kubectlOk(['delete', '-n', ns, 'source', 'alpha', 'beta', '--wait=false']);
    await gone('source alpha');
    await gone('source beta');
    for (const s of [SRC('alpha'), QUAR('alpha'), SRC('beta'), QUAR('beta')]) expect(await stream(s)).toBeUndefined();
  }, 60_000);

  it('keeps a Source and Destination of the same names in another namespace apart, created and deleted', async () => {
    const other = await env.namespace('busops-other');
    await env.apply(other, [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'key' }, stringData: { writeKey: 'k' } }]);
    for (const n of [ns, other]) await env.apply(n, [source('web', '1h'), destination('hook', ['web'], 'now')]);
    for (const n of [ns, other]) {
      expect((await until(`the stream of web in ${n}`, () => stream(SRC('web', n)))).config.subjects).toContain(`SLUICE.src.${n}.web`);
      await until(`the consumer of hook in ${n}`, () => consumer(SRC('web', n), 'hook__web'));
      await until(`the dead-letter stream of hook in ${n}`, () => stream(DLQ('hook', n)));
    }

    await env.cp.kubectlOk(['delete', '-n', other, 'destination', 'hook', '--wait=false']);
    await env.cp.kubectlOk(['delete', '-n', other, 'source', 'web', '--wait=false']);
    await until(`the stream of web in ${other} to go`, async () => (await stream(SRC('web', other))) === undefined);
    await until(`the dead-letter stream of hook in ${other} to go`, async () => (await stream(DLQ('hook', other))) === undefined);
    expect(await stream(SRC('web'))).toBeDefined();
    expect(await stream(QUAR('web'))).toBeDefined();
    expect(await stream(DLQ('hook'))).toBeDefined();
    expect(await consumer(SRC('web'), 'hook__web')).toBeDefined();
    expect(await consumer(SRC('web'), 'hook__web__replay')).toBeDefined();

    await env.cp.kubectlOk(['delete', '-n', ns, 'destination', 'hook', '--wait=false']);
    await env.cp.kubectlOk(['delete', '-n', ns, 'source', 'web', '--wait=false']);
    await gone('destination hook');
    await gone('source web');
    expect(await stream(SRC('web'))).toBeUndefined();
  }, 60_000);

  it('says BusUnavailable (never Stalled) while NATS is unreachable, and recovers once it is back', async () => {
    await nats.stop();
    try {
      await env.apply(ns, [source('gamma', '1h')]);
      const down = await until('gamma Ready=False BusUnavailable', async () => {
        const o = await env.get<Source>(ns, 'source gamma');
        return ready(o)?.reason === 'BusUnavailable' ? o : undefined;
      });
      expect(ready(down)).toMatchObject({ status: 'False' });
      expect(ready(down, 'Stalled')?.status).toBe('False');
      expect(ready(down)?.message).toContain(`NATS at ${nats.url}`);
      expect(JSON.stringify(down.status)).not.toContain('s3cret');
    } finally {
      await nats.start();
    }
    await until(
      'gamma Ready once NATS is back',
      async () => ready(await env.get<Source>(ns, 'source gamma'))?.status === 'True',
      45_000,
    );
    expect((await until('the stream of gamma', () => stream(SRC('gamma')))).config.max_age).toBe(nanos(HOUR));
  }, 90_000);
});
