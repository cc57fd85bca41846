import { describe, expect, it } from 'vitest';
import { MAX_IDENTIFIER_BYTES, columnName, eventTableName, fitIdentifier, quoteIdent, shortHash, snakeCase } from './naming.ts';

describe('snakeCase', () => {
  it.each([
    ['Order Completed', 'order_completed'],
    ['orderCompleted', 'order_completed'],
    ['order-completed', 'order_completed'],
    ['  Order   Completed!! ', 'order_completed'],
    ['userID', 'user_id'],
    ['HTTPRequest Sent', 'http_request_sent'],
    ['2fa Enabled', '_2fa_enabled'],
    ['___', undefined],
    ['', undefined],
    ['Café Visited', `caf_visited_${shortHash('Café Visited')}`],
    ['注文完了', `_${shortHash('注文完了')}`],
  ])('%j → %j', (name, expected) => {
    expect(snakeCase(name)).toBe(expected);
  });

  it('keeps names that differ only in letters outside ASCII apart', () => {
    expect(snakeCase('注文完了')).not.toBe(snakeCase('注文取消'));
  });
});

describe('eventTableName', () => {
  it.each([
    ['Order Completed', 'order_completed'],
    ['Pages', `pages_${shortHash('Pages')}`],
    ['tracks', `tracks_${shortHash('tracks')}`],
    ['Users', `users_${shortHash('Users')}`],
    ['!!!', `event_${shortHash('!!!')}`],
  ])('%j → %j', (event, expected) => {
    expect(eventTableName(event)).toBe(expected);
  });

  it('shortens long names to 63 bytes with a hash that keeps them apart', () => {
    const a = eventTableName(`${'very long event name '.repeat(5)}A`);
    const b = eventTableName(`${'very long event name '.repeat(5)}B`);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    expect(a).not.toBe(b);
    expect(a.startsWith('very_long_event_name_very_long')).toBe(true);
  });
});

describe('columnName', () => {
  it.each([
    [['context', 'page', 'url'], 'context_page_url'],
    [['orderId'], 'order_id'],
    [['items', 'Unit Price'], 'items_unit_price'],
    [['?'], `_${shortHash('?')}`],
  ])('%j → %j', (path, expected) => {
    expect(columnName(path)).toBe(expected);
  });

  it('fits deep paths into 63 bytes', () => {
    expect(Buffer.byteLength(columnName(Array.from({ length: 12 }, (_, i) => `level${i}field`)))).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
  });
});

describe('fitIdentifier', () => {
  it('leaves short names alone and cuts long ones at 63 bytes', () => {
    expect(fitIdentifier('short')).toBe('short');
    const long = fitIdentifier('x'.repeat(80));
    expect(long).toHaveLength(63);
    expect(long.endsWith(`_${shortHash('x'.repeat(80))}`)).toBe(true);
  });
});

describe('quoteIdent', () => {
  it.each([
    ['plain', '"plain"'],
    ['with"quote', '"with""quote"'],
    ['select', '"select"'],
  ])('%j → %s', (name, expected) => {
    expect(quoteIdent(name)).toBe(expected);
  });
});
