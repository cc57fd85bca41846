// Two namespaces on one nats-server, each with a Source `web` and a Destination `hook`:
// the operator's provisioner and the runtime processes (`sluice ingest`, `sluice deliver`)
// name the same namespaced streams and consumers, events sent to one namespace's ingest
// reach only that namespace's destination, and deleting one namespace's resources leaves
// the other's in place.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationSpec, SourceSpec } from '../../operator/src/api/index.ts';
import { NatsProvisioner } from '../../operator/src/bus/index.ts';
import { startDeliverProcess } from '../../runtime/src/cluster/deliver.ts';
import { startIngestProcess } from '../../runtime/src/cluster/ingest.ts';
import type { RuntimeProcess } from '../../runtime/src/cluster/process.ts';
import { renderConfig, renderDestination, renderSource, serializeRendered } from '../../runtime/src/cluster/rendered.ts';
import { waitFor } from '../support/wait.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';

const NAMESPACES = ['shop-a', 'shop-b'] as const;
type Ns = (typeof NAMESPACES)[number];
const ID = /\b(shop-[ab])-evt-\d+\b/g;

/** A webhook endpoint recording the messageIds it was sent. */
interface Receiver {
  server: Server;
  url: string;
  ids: string[];
}

async function startReceiver(): Promise<Receiver> {
  const ids: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (body.length < 1_000_000) body += chunk;
    });
    req.on('end', () => {
      ids.push(...[...body.matchAll(ID)].map((m) => m[0]));
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, ids };
}

const sourceSpec = { writeKeys: [{ secretRef: { name: 'web-key', key: 'writeKey' } }], retention: '1h' } as SourceSpec;
const destinationSpec = (url: string) =>
  ({ type: 'webhook', sources: [{ name: 'web' }], settings: { url }, delivery: { timeout: '5s', batchSize: 10 }, startFrom: 'now' }) as DestinationSpec;

interface Place {
  dir: string;
  key: string;
  receiver: Receiver;
  ingest?: RuntimeProcess;
  deliver?: RuntimeProcess;
  sent: string[];
}

describe('namespaces on one NATS', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let provisioner: NatsProvisioner;
  const places = new Map<Ns, Place>();
  const place = (ns: Ns): Place => places.get(ns)!;
  let seq = 0;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    provisioner = new NatsProvisioner({ url: nats.url });
    for (const ns of NAMESPACES) {
      const dir = mkdtempSync(join(tmpdir(), `sluice-busops-${ns}-`));
      const key = `${ns}-write-key`;
      mkdirSync(join(dir, 'secrets', 'web-key'), { recursive: true });
      writeFileSync(join(dir, 'secrets', 'web-key', 'writeKey'), key);
      places.set(ns, { dir, key, receiver: await startReceiver(), sent: [] });
    }
  }, 30_000);

  afterAll(async () => {
    for (const p of places.values()) {
      await p.ingest?.stop();
      await p.deliver?.stop();
      await new Promise((r) => p.receiver.server.close(r));
      rmSync(p.dir, { recursive: true, force: true });
    }
    await provisioner?.close();
    await nc?.close();
    await nats?.close();
  }, 30_000);

  const streams = async (): Promise<string[]> => (await jsm.streams.names().next()).sort();
  const consumers = async (stream: string): Promise<string[]> => (await jsm.consumers.list(stream).next()).map((c) => c.name).sort();

  it('the provisioner gives each namespace its own streams and consumers', async () => {
    for (const ns of NAMESPACES) {
      await provisioner.ensureSource(ns, 'web', sourceSpec);
      expect(await provisioner.ensureDestination(ns, 'hook', destinationSpec(place(ns).receiver.url), ['web'])).toEqual({ missingSources: [] });
    }
    expect(await streams()).toEqual(
      ['SLUICE_DLQ_shop-a__hook', 'SLUICE_DLQ_shop-b__hook', 'SLUICE_QUAR_shop-a__web', 'SLUICE_QUAR_shop-b__web', 'SLUICE_SRC_shop-a__web', 'SLUICE_SRC_shop-b__web'].sort(),
    );
    const a = await jsm.streams.info('SLUICE_SRC_shop-a__web');
    expect(a.config.subjects).toEqual(['SLUICE.src.shop-a.web', 'SLUICE.rpl.shop-a.web.*']);
    for (const ns of NAMESPACES) expect(await consumers(`SLUICE_SRC_${ns}__web`)).toEqual(['hook__web', 'hook__web__replay']);
  }, 20_000);

  it("the runtime processes of each namespace use the operator's streams and consumers", async () => {
    for (const ns of NAMESPACES) {
      const p = place(ns);
      const common = { secretsDir: join(p.dir, 'secrets'), busUrl: nats.url, port: 0, host: '127.0.0.1', shutdownDelayMs: 0, log: () => undefined, statsIntervalMs: 60_000 };
      writeFileSync(join(p.dir, 'ingest.json'), serializeRendered(renderConfig({ namespace: ns, sources: [renderSource('web', sourceSpec)] })));
      writeFileSync(join(p.dir, 'deliver.json'), serializeRendered(renderConfig({ namespace: ns, destinations: [renderDestination('hook', destinationSpec(p.receiver.url))] })));
      p.ingest = await startIngestProcess({ ...common, configPath: join(p.dir, 'ingest.json') });
      p.deliver = await startDeliverProcess({ ...common, configPath: join(p.dir, 'deliver.json') });
    }
    await waitFor(() => [...places.values()].every((p) => p.ingest?.ready() && p.deliver?.ready()), { timeoutMs: 15_000, what: 'both namespaces ready' });
    // Nothing under the names of another layout: no stream without the namespace, no other consumer.
    expect((await streams()).filter((s) => !/_shop-[ab]__/.test(s))).toEqual([]);
    for (const ns of NAMESPACES) expect(await consumers(`SLUICE_SRC_${ns}__web`)).toEqual(['hook__web', 'hook__web__replay']);
  }, 30_000);

  async function send(ns: Ns, count: number): Promise<void> {
    const p = place(ns);
    const ids = Array.from({ length: count }, () => `${ns}-evt-${++seq}`);
    const res = await fetch(`http://127.0.0.1:${p.ingest!.port}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${p.key}:`).toString('base64')}` },
      body: JSON.stringify({ batch: ids.map((messageId) => ({ type: 'track', event: 'Order Completed', userId: 'u1', messageId })) }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    p.sent.push(...ids);
  }

  it("events sent to one namespace's Source reach only that namespace's Destination", async () => {
    await send('shop-a', 3);
    await send('shop-b', 2);
    await send('shop-a', 1);
    await waitFor(() => NAMESPACES.every((ns) => place(ns).receiver.ids.length >= place(ns).sent.length), {
      timeoutMs: 20_000,
      what: 'each destination to receive its events',
      detail: () => JSON.stringify(NAMESPACES.map((ns) => place(ns).receiver.ids)),
    });
    // A leak would arrive alongside; give it the time a delivery takes.
    await new Promise((r) => setTimeout(r, 1_000));
    for (const ns of NAMESPACES) expect([...new Set(place(ns).receiver.ids)].sort()).toEqual([...place(ns).sent].sort());
    expect(place('shop-a').sent).toHaveLength(4);
  }, 40_000);

  it("deleting one namespace's Source and Destination leaves the other's in place", async () => {
    const b = place('shop-b');
    await b.deliver?.stop();
    await b.ingest?.stop();
    b.deliver = b.ingest = undefined;
    await provisioner.deleteDestination('shop-b', 'hook');
    await provisioner.deleteSource('shop-b', 'web');
    expect(await streams()).toEqual(['SLUICE_DLQ_shop-a__hook', 'SLUICE_QUAR_shop-a__web', 'SLUICE_SRC_shop-a__web']);
    expect(await consumers('SLUICE_SRC_shop-a__web')).toEqual(['hook__web', 'hook__web__replay']);

    const before = place('shop-a').receiver.ids.length;
    await send('shop-a', 2);
    await waitFor(() => place('shop-a').receiver.ids.length >= before + 2, { timeoutMs: 15_000, what: 'shop-a to keep delivering' });
  }, 30_000);
});
