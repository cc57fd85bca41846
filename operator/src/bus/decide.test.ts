import { describe, expect, it } from 'vitest';
import type { DestinationSpec } from '../api/index.ts';
import { progressing, ready, stalled } from '../kube/index.ts';
import { busEnding, consumersWanted, deliveryAckWaitMs, MISSING_STREAM_RETRY_MS, provisionDue, RECHECK_MS, redactText, redactUrl, retentionMs, withBus } from './decide.ts';
import { BusProvisionError, type BusOutcome } from './types.ts';

const dest = (extra: Partial<DestinationSpec> = {}): DestinationSpec => ({ type: 'webhook', sources: [{ name: 'web' }], ...extra });
const NOW = Date.parse('2026-01-02T03:00:00Z');

describe('bus provisioning decisions', () => {
  it.each([
    [undefined, 168 * 3_600_000],
    ['1h', 3_600_000],
    ['90m', 5_400_000],
  ])('retention %s → %i ms', (retention, ms) => {
    expect(retentionMs({ writeKeys: [], ...(retention ? { retention } : {}) })).toBe(ms);
  });

  it.each([
    ['now', { kind: 'now' }],
    ['1h', { kind: 'time', time: new Date(NOW - 3_600_000) }],
    ['2025-12-31T00:00:00Z', { kind: 'time', time: new Date('2025-12-31T00:00:00Z') }],
    [undefined, { kind: 'now' }],
  ])('startFrom %s starts the consumers at %o, one per source, sorted and unique', (startFrom, start) => {
    const wanted = consumersWanted(dest(startFrom ? { startFrom } : {}), ['b', 'a', 'b'], NOW);
    expect(wanted?.map((w) => w.source)).toEqual(['a', 'b']);
    expect(wanted?.[0]?.startFrom).toEqual(start);
  });

  it('refuses an unreadable startFrom (the Destination is Stalled for it already)', () => {
    expect(consumersWanted(dest({ startFrom: 'yesterday' }), ['web'], NOW)).toBeUndefined();
  });

  it.each([
    [undefined, 33_000],
    ['5s', 30_000],
    ['30s', 93_000],
  ])('ack wait for delivery timeout %s is %i ms, as the delivery pods subscribe', (timeout, ms) => {
    expect(deliveryAckWaitMs(dest(timeout ? { delivery: { timeout } } : {}))).toBe(ms);
  });

  it.each([
    ['nats://user:secret@nats:4222', 'nats://nats:4222'],
    ['nats://token@a:4222, tls://b:4222', 'nats://a:4222,tls://b:4222'],
    ['nats://nats.sluice:4222', 'nats://nats.sluice:4222'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('removes credentials from any URL in a message', () => {
    expect(redactText('connecting to NATS at nats://u:p@h:1,nats://t@k:2: refused')).toBe('connecting to NATS at nats://h:1,nats://k:2: refused');
  });

  const failed: BusOutcome = { state: 'failed', reason: 'BusUnavailable', message: 'NATS at nats://n:4222 is unreachable' };
  it.each([
    ['ready, bus failed', ready('Deployed', 'ok'), failed, progressing('BusUnavailable', 'NATS at nats://n:4222 is unreachable')],
    ['deploying, bus failed', progressing('Deploying', 'x'), failed, progressing('BusUnavailable', 'NATS at nats://n:4222 is unreachable')],
    ['stalled, bus failed: the spec problem stays', stalled('InvalidSpec', 'bad'), failed, stalled('InvalidSpec', 'bad')],
    ['ready, bus ok', ready('Deployed', 'ok'), { state: 'ok' }, ready('Deployed', 'ok')],
    ['ready, bus off', ready('Deployed', 'ok'), { state: 'off' }, ready('Deployed', 'ok')],
  ] as const)('summary: %s', (_, summary, bus, want) => {
    expect(withBus(summary, bus)).toEqual(want);
  });

  it('ends a reconcile: failure retried with the reason, missing streams looked for soon, else nothing', () => {
    const end = busEnding(failed);
    expect(end && 'error' in end ? end.error : undefined).toBeInstanceOf(BusProvisionError);
    expect(end && 'error' in end ? end.error.reason : undefined).toBe('BusUnavailable');
    expect(busEnding({ state: 'ok', missingSources: ['web'] })).toEqual({ requeueAfterMs: MISSING_STREAM_RETRY_MS });
    expect(busEnding({ state: 'ok', missingSources: [] })).toBeUndefined();
    expect(busEnding({ state: 'off' })).toBeUndefined();
  });

  it.each([
    ['never provisioned', undefined, 'a', 1_000, true],
    ['unchanged, recently', { fingerprint: 'a', at: 1_000 }, 'a', 1_000 + RECHECK_MS - 1, false],
    ['unchanged, a while ago', { fingerprint: 'a', at: 1_000 }, 'a', 1_000 + RECHECK_MS, true],
    ['changed', { fingerprint: 'a', at: 1_000 }, 'b', 1_001, true],
    ['clock went back', { fingerprint: 'a', at: 1_000 }, 'a', 999, true],
  ] as const)('provisions again: %s → %s', (_, last, fingerprint, now, due) => {
    expect(provisionDue(last, fingerprint, now)).toBe(due);
  });
});
