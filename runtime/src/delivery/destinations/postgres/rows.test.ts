import { describe, expect, it } from 'vitest';
import { shortHash } from './naming.ts';
import { MAX_COLUMNS_PER_ROW, MAX_FLATTEN_DEPTH, warehouseRows, type TableRow } from './rows.ts';

const base = { messageId: 'm1', userId: 'u1', timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:01.000Z', context: { ip: '1.2.3.4', library: { name: 'analytics.js' } } };
const fallback = { messageId: 'fallback', type: 'track' };
const cells = (row: TableRow | undefined) => Object.fromEntries([...(row?.cells ?? [])].map(([k, c]) => [k, [c.value, c.type]]));
const rows = (record: Record<string, unknown>) => {
  const r = warehouseRows(record, fallback);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('warehouseRows', () => {
  it('writes a track to tracks and to its event table, properties only in the latter', () => {
    const [tracks, event] = rows({ ...base, type: 'track', event: 'Order Completed', anonymousId: null, properties: { revenue: 12.5, items: [{ sku: 'a' }], shipping: { method: 'post' } } });
    expect(tracks!.table).toBe('tracks');
    expect(cells(tracks)).toEqual({
      id: ['m1', 'text'],
      received_at: ['2024-05-01T10:00:01.000Z', 'timestamptz'],
      timestamp: ['2024-05-01T10:00:00.000Z', 'timestamptz'],
      user_id: ['u1', 'text'],
      event: ['order_completed', 'text'],
      event_text: ['Order Completed', 'text'],
      context_ip: ['1.2.3.4', 'text'],
      context_library_name: ['analytics.js', 'text'],
    });
    expect(event!.table).toBe('order_completed');
    expect(cells(event)).toMatchObject({ revenue: [12.5, 'double precision'], items: ['[{"sku":"a"}]', 'text'], shipping_method: ['post', 'text'], event: ['order_completed', 'text'] });
  });

  it.each([
    ['identify', { traits: { email: 'a@b.c', plan: 'pro' } }, 'identifies', { email: ['a@b.c', 'text'], plan: ['pro', 'text'] }],
    ['page', { name: 'Home', properties: { path: '/', title: 'Shop' } }, 'pages', { name: ['Home', 'text'], path: ['/', 'text'], title: ['Shop', 'text'] }],
    ['screen', { name: 'Cart', properties: { items: 2 } }, 'screens', { name: ['Cart', 'text'], items: [2, 'bigint'] }],
    ['group', { groupId: 'g1', traits: { employees: 40 } }, 'groups', { group_id: ['g1', 'text'], employees: [40, 'bigint'] }],
    ['alias', { previousId: 'anon-1' }, 'aliases', { previous_id: ['anon-1', 'text'] }],
  ])('writes a %s to %s', (type, extra, table, expected) => {
    const r = rows({ ...base, type, ...extra });
    expect(r.map((x) => x.table)).toEqual([table]);
    expect(cells(r[0])).toMatchObject({ id: ['m1', 'text'], ...expected });
  });

  it('gives a property that collides with a standard column a hashed name', () => {
    const [, event] = rows({ ...base, type: 'track', event: 'X', properties: { timestamp: 'yesterday', id: 7, orderId: 1, order_id: 2 } });
    const c = cells(event);
    expect(c['timestamp']).toEqual(['2024-05-01T10:00:00.000Z', 'timestamptz']);
    expect(c['id']).toEqual(['m1', 'text']);
    expect(c[`timestamp_${shortHash('timestamp')}`]).toEqual(['yesterday', 'text']);
    expect(c[`id_${shortHash('id')}`]).toEqual([7, 'bigint']);
    expect(c['order_id']).toEqual([1, 'bigint']);
    expect(c[`order_id_${shortHash('order_id')}`]).toEqual([2, 'bigint']);
  });

  it('lets track event tables keep name and category, which only pages reserve', () => {
    const [, event] = rows({ ...base, type: 'track', event: 'Product Added', properties: { name: 'Mug', category: 'Kitchen' } });
    expect(cells(event)).toMatchObject({ name: ['Mug', 'text'], category: ['Kitchen', 'text'] });
  });

  it('skips nulls and non-finite numbers, stores deep objects as JSON', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < MAX_FLATTEN_DEPTH + 2; i++) deep = { d: deep };
    const [, event] = rows({ ...base, type: 'track', event: 'E', properties: { gone: null, deep } });
    const c = cells(event);
    expect(Object.keys(c).some((k) => k.startsWith('gone'))).toBe(false);
    const deepCols = Object.entries(c).filter(([k]) => k.startsWith('deep'));
    expect(deepCols).toHaveLength(1);
    expect(deepCols[0]![1][1]).toBe('text');
    expect(String(deepCols[0]![1][0])).toContain('"leaf":1');
  });

  it.each([
    ['an unknown type', { ...base, type: 'nonsense' }, 'the event type "nonsense" has no warehouse table'],
    ['a track without a name', { ...base, type: 'track' }, 'the track event has no event name'],
    ['too many properties', { ...base, type: 'track', event: 'E', properties: Object.fromEntries(Array.from({ length: MAX_COLUMNS_PER_ROW }, (_, i) => [`p${i}`, i])) }, 'at most 500 are stored per event'],
  ])('refuses %s', (_, record, message) => {
    expect(warehouseRows(record, fallback)).toContain(message);
  });

  it('falls back on the outbound messageId and type when the payload has none', () => {
    const r = warehouseRows({ event: 'E', properties: { a: 1 } }, { messageId: 'out-1', type: 'track' });
    expect(typeof r !== 'string' && r.map((x) => x.cells.get('id')?.value)).toEqual(['out-1', 'out-1']);
  });
});
