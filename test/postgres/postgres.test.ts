import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../runtime/src/event.ts';
import { postgres, type PostgresSettings } from '../../runtime/src/delivery/destinations/postgres/index.ts';
import { shortHash } from '../../runtime/src/delivery/destinations/postgres/naming.ts';
import { startRig } from '../../runtime/src/delivery/testing.ts';
import type { DestinationClient, OutboundEvent, SendResult } from '../../runtime/src/delivery/types.ts';
import { waitFor } from '../support/wait.ts';
import { startPostgres, type PostgresServer } from './server.ts';

/** The postgres destination against a real PostgreSQL started for this file. */
let server: PostgresServer;
let db: pg.Client;
let schemaCounter = 0;

beforeAll(async () => {
  server = await startPostgres();
  db = await connectDb();
});
afterAll(async () => {
  await db?.end();
  await server?.close();
});

async function connectDb(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.url });
  // The server is stopped on purpose in one test; the old connection's end is expected.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const freshSchema = () => `wh_${++schemaCounter}_${process.pid}`;
const at = '2024-05-01T10:00:00.000Z';
const track = (id: string, event: string, properties: Record<string, unknown>, extra: Partial<SegmentEvent> = {}): OutboundEvent => {
  const e: SegmentEvent = { type: 'track', event, messageId: id, userId: 'u-1', timestamp: at, receivedAt: at, context: { ip: '203.0.113.1', library: { name: 'analytics.js' } }, properties, ...extra };
  return { messageId: id, event: e, payload: e };
};
const other = (id: string, e: Omit<SegmentEvent, 'messageId' | 'timestamp' | 'receivedAt'>): OutboundEvent => {
  const full = { messageId: id, timestamp: at, receivedAt: at, ...e } as SegmentEvent;
  return { messageId: id, event: full, payload: full };
};

async function withClient<T>(schema: string, fn: (c: DestinationClient) => Promise<T>, credentials: Record<string, string> = { url: server.url }, settings: Partial<PostgresSettings> = {}): Promise<T> {
  const client = postgres.create({ name: 'warehouse', settings: { schema, ...settings }, credentials, timeoutMs: 5000 });
  try {
    return await fn(client);
  } finally {
    await client.close?.();
  }
}
const send = (c: DestinationClient, batch: OutboundEvent[]) => c.send(batch, AbortSignal.timeout(20_000));
const errorOf = (r: SendResult | undefined) => (r && !r.ok ? r.error : undefined);

async function columns(schema: string, table: string): Promise<Record<string, string>> {
  const res = await db.query<{ column_name: string; data_type: string }>('SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [schema, table]);
  return Object.fromEntries(res.rows.map((r) => [r.column_name, r.data_type]));
}
async function tablesOf(schema: string): Promise<string[]> {
  const res = await db.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
  return res.rows.map((r) => r.table_name);
}
async function rows<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  return (await db.query<T>(sql)).rows;
}

describe('postgres destination on a real PostgreSQL', () => {
  it('creates the standard tables, a table per track event, and typed columns', async () => {
    const schema = freshSchema();
    await withClient(schema, async (c) => {
      await c.connect?.();
      const results = await send(c, [
        track('t1', 'Order Completed', { revenue: 42, currency: 'EUR', paid: true, shipped_at: '2024-05-02T08:00:00Z', items: [{ sku: 'A' }], shipping: { method: 'post' } }),
        other('i1', { type: 'identify', userId: 'u-1', traits: { email: 'ada@example.com', age: 36 } }),
        other('p1', { type: 'page', anonymousId: 'a-1', name: 'Pricing', properties: { path: '/pricing', title: 'Pricing' } }),
        other('s1', { type: 'screen', userId: 'u-1', name: 'Cart', properties: { items: 3 } }),
        other('g1', { type: 'group', userId: 'u-1', groupId: 'acme', traits: { employees: 40 } }),
        other('al1', { type: 'alias', userId: 'u-1', previousId: 'a-1' }),
        track('t2', 'Pages', { n: 1 }),
      ]);
      expect(results.every((r) => r.ok)).toBe(true);
    });
    expect(await tablesOf(schema)).toEqual(['aliases', 'groups', 'identifies', 'order_completed', 'pages', `pages_${shortHash('Pages')}`, 'screens', 'tracks'].sort());
    expect(await columns(schema, 'order_completed')).toMatchObject({
      id: 'text',
      received_at: 'timestamp with time zone',
      timestamp: 'timestamp with time zone',
      uuid_ts: 'timestamp with time zone',
      user_id: 'text',
      event: 'text',
      event_text: 'text',
      context_ip: 'text',
      context_library_name: 'text',
      revenue: 'bigint',
      currency: 'text',
      paid: 'boolean',
      shipped_at: 'timestamp with time zone',
      items: 'text',
      shipping_method: 'text',
    });
    expect(await columns(schema, 'tracks')).not.toHaveProperty('revenue');
    expect(await columns(schema, 'identifies')).toMatchObject({ email: 'text', age: 'bigint' });
    expect(await columns(schema, 'groups')).toMatchObject({ group_id: 'text', employees: 'bigint' });
    expect(await columns(schema, 'aliases')).toMatchObject({ previous_id: 'text' });
    const [order] = await rows<{ id: string; revenue: string; paid: boolean; event: string; event_text: string }>(`SELECT id, revenue, paid, event, event_text FROM "${schema}".order_completed`);
    expect(order).toEqual({ id: 't1', revenue: '42', paid: true, event: 'order_completed', event_text: 'Order Completed' });
    expect(await rows(`SELECT id FROM "${schema}".tracks ORDER BY id`)).toEqual([{ id: 't1' }, { id: 't2' }]);
    const pk = await rows<{ column_name: string }>(
      `SELECT kcu.column_name FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema WHERE tc.table_schema = '${schema}' AND tc.table_name = 'tracks' AND tc.constraint_type = 'PRIMARY KEY'`,
    );
    expect(pk).toEqual([{ column_name: 'id' }]);
  });

  it('adds columns for new properties and widens them: bigint → double precision → text', async () => {
    const schema = freshSchema();
    await withClient(schema, async (c) => {
      expect((await send(c, [track('w1', 'Cart Viewed', { amount: 10, flag: true })])).every((r) => r.ok)).toBe(true);
      expect(await columns(schema, 'cart_viewed')).toMatchObject({ amount: 'bigint', flag: 'boolean' });
      expect((await send(c, [track('w2', 'Cart Viewed', { amount: 10.5, coupon: 'SPRING' })])).every((r) => r.ok)).toBe(true);
      expect(await columns(schema, 'cart_viewed')).toMatchObject({ amount: 'double precision', coupon: 'text' });
      expect((await send(c, [track('w3', 'Cart Viewed', { amount: 'a lot', flag: 'maybe' })])).every((r) => r.ok)).toBe(true);
    });
    expect(await columns(schema, 'cart_viewed')).toMatchObject({ amount: 'text', flag: 'text', coupon: 'text' });
    expect(await rows(`SELECT id, amount, flag FROM "${schema}".cart_viewed ORDER BY id`)).toEqual([
      { id: 'w1', amount: '10', flag: 'true' },
      { id: 'w2', amount: '10.5', flag: null },
      { id: 'w3', amount: 'a lot', flag: 'maybe' },
    ]);
  });

  it('stores each event once however often it is delivered (messageId is the key)', async () => {
    const schema = freshSchema();
    const batch = [track('d1', 'Signed Up', { plan: 'pro' }), track('d2', 'Signed Up', { plan: 'free' }), other('d3', { type: 'identify', userId: 'u-1', traits: { plan: 'pro' } })];
    await withClient(schema, async (c) => {
      expect((await send(c, batch)).every((r) => r.ok)).toBe(true);
      expect((await send(c, [...batch, batch[0]!])).every((r) => r.ok)).toBe(true);
    });
    // A new client knows nothing of the tables: it reads them back and still stores nothing twice.
    await withClient(schema, async (c) => {
      expect((await send(c, batch)).every((r) => r.ok)).toBe(true);
    });
    expect(await rows(`SELECT id, plan FROM "${schema}".signed_up ORDER BY id`)).toEqual([
      { id: 'd1', plan: 'pro' },
      { id: 'd2', plan: 'free' },
    ]);
    expect(await rows(`SELECT count(*)::int AS n FROM "${schema}".tracks`)).toEqual([{ n: 2 }]);
    expect(await rows(`SELECT count(*)::int AS n FROM "${schema}".identifies`)).toEqual([{ n: 1 }]);
  });

  it('isolates an event with a value PostgreSQL refuses: only it fails, as an invalid payload', async () => {
    const schema = freshSchema();
    const batch = Array.from({ length: 6 }, (_, i) => track(`b${i}`, 'Note Added', { text: i === 3 ? 'nul \u0000 byte' : `note ${i}` }));
    batch.push(track('b-time', 'Note Added', { text: 'ok' }, { sentAt: 'not a time' }));
    await withClient(schema, async (c) => {
      const results = await send(c, batch);
      expect(results.flatMap((r, i) => (r.ok ? [] : [i]))).toEqual([3, 6]);
      expect(errorOf(results[3])).toMatchObject({ kind: 'payload', code: '22021' });
      expect(errorOf(results[3])!.message).toMatch(/^inserting event b3 in schema "wh_\d+_\d+": invalid byte sequence/);
      expect(errorOf(results[6])).toMatchObject({ kind: 'payload', code: '22007' });
    });
    expect((await rows<{ id: string }>(`SELECT id FROM "${schema}".note_added ORDER BY id`)).map((r) => r.id)).toEqual(['b0', 'b1', 'b2', 'b4', 'b5']);
    expect(await rows(`SELECT count(*)::int AS n FROM "${schema}".tracks`)).toEqual([{ n: 5 }]);
  });

  it('lets two writers change the same tables at once (an advisory lock serialises the DDL)', async () => {
    const schema = freshSchema();
    const a = postgres.create({ name: 'a', settings: { schema }, credentials: { url: server.url }, timeoutMs: 5000 });
    const b = postgres.create({ name: 'b', settings: { schema }, credentials: { url: server.url }, timeoutMs: 5000 });
    try {
      const [ra, rb] = await Promise.all([
        send(a, Array.from({ length: 20 }, (_, i) => track(`ca${i}`, 'Race', { [`a_${i % 5}`]: i, shared: i }))),
        send(b, Array.from({ length: 20 }, (_, i) => track(`cb${i}`, 'Race', { [`b_${i % 5}`]: `x${i}`, shared: i + 0.5 }))),
      ]);
      expect([...ra, ...rb].every((r) => r.ok)).toBe(true);
    } finally {
      await a.close?.();
      await b.close?.();
    }
    const cols = await columns(schema, 'race');
    expect(cols).toMatchObject({ a_0: 'bigint', a_4: 'bigint', b_0: 'text', b_4: 'text' });
    // Whichever ran first, shared ends wide enough for both.
    expect(cols['shared']).toBe('double precision');
    expect(await rows(`SELECT count(*)::int AS n FROM "${schema}".race`)).toEqual([{ n: 40 }]);
  });

  it('retries while the database is down, and writes once it is back', async () => {
    const schema = freshSchema();
    await withClient(schema, async (c) => {
      expect((await send(c, [track('r1', 'Ping', { n: 1 })])).every((r) => r.ok)).toBe(true);
      await server.stop();
      try {
        const [r] = await send(c, [track('r2', 'Ping', { n: 2 })]);
        expect(errorOf(r)).toMatchObject({ kind: 'retryable' });
        await expect(c.connect!()).rejects.toThrow();
      } finally {
        await server.start();
      }
      const [r] = await send(c, [track('r2', 'Ping', { n: 2 })]);
      expect(r).toEqual({ ok: true });
    });
    db = await connectDb();
    expect(await rows(`SELECT id FROM "${schema}".ping ORDER BY id`)).toEqual([{ id: 'r1' }, { id: 'r2' }]);
  });

  it('reports wrong credentials as an auth failure without the password', async () => {
    const [r] = await withClient(freshSchema(), (c) => send(c, [track('x', 'E', {})]), {
      host: server.host,
      port: String(server.port),
      user: server.user,
      password: 'wrong-password-123',
      database: server.database,
    });
    expect(errorOf(r)).toMatchObject({ kind: 'auth', code: '28P01' });
    expect(errorOf(r)!.message).not.toContain('wrong-password-123');
  });

  it('delivers from the bus through the engine, with host/port/user/password credentials', async () => {
    const schema = freshSchema();
    const rig = await startRig(
      [
        {
          name: 'warehouse',
          credentials: { host: server.host, port: String(server.port), user: server.user, password: server.password, database: server.database },
          spec: {
            sources: [{ name: 'web' }],
            type: 'postgres',
            settings: { schema },
            delivery: { batchSize: 50, maxInFlight: 2, timeout: '5s', maxAge: '1m', backoff: { initial: '20ms', max: '100ms' } },
            startFrom: '1h',
          },
        },
      ],
      { delivery: { types: [postgres] } },
    );
    try {
      const events = Array.from({ length: 120 }, (_, i) => track(`bus-${i}`, 'Order Completed', { order_id: `o-${i}`, revenue: i + 0.25 }).event);
      await rig.bus.publish('web', events);
      await waitFor(() => rig.delivery.stats()['warehouse']?.delivered === 120, { timeoutMs: 20_000, what: '120 events delivered' });
    } finally {
      await rig.close();
    }
    expect(await rows(`SELECT count(*)::int AS n, sum(revenue)::float AS total FROM "${schema}".order_completed`)).toEqual([{ n: 120, total: 7170 }]);
  });
});
