import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import type { DestinationRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
import { compileMapping } from '../mapping/mapping.ts';
import { compileDestination, checkDestination, DestinationConfigError } from './compile.ts';
import { DESTINATIONS } from './destinations/index.ts';
import { createTransform, EMPTY_PAYLOAD_REASON, withFunction, type FunctionStep, type TransformOutcome } from './transform.ts';
import type { DestinationType } from './types.ts';

const withDefaults: DestinationType = {
  type: 'ads',
  description: 'A test type with a default mapping.',
  settingsSchema: Type.Object({}),
  defaultMapping: { event_name: 'event', 'user.id': 'coalesce(userId, anonymousId)', 'user.email': 'sha256(lower(traits.email))' },
  create: () => ({ send: (batch) => Promise.resolve(batch.map(() => ({ ok: true as const }))) }),
};
const plain: DestinationType = { ...withDefaults, type: 'plain', defaultMapping: undefined };

const dest = (spec: Partial<DestinationRuntime['spec']> = {}, extra: Partial<DestinationRuntime> = {}): DestinationRuntime => ({
  name: 'd',
  spec: { sources: [{ name: 'web' }], type: 'webhook', ...spec },
  credentials: {},
  ...extra,
});

const ev = (fields: Partial<SegmentEvent> = {}): SegmentEvent => ({
  type: 'track',
  event: 'Order Completed',
  messageId: 'm1',
  userId: 'u1',
  timestamp: '2024-05-01T10:00:00.000Z',
  receivedAt: '2024-05-01T10:00:00.000Z',
  ...fields,
});

const run = async (d: DestinationRuntime, type: DestinationType, events: SegmentEvent[]) => createTransform(d, type)(events);

describe('createTransform', () => {
  it('sends the event as it is when neither the Destination nor its type maps', async () => {
    const e = ev();
    expect(await run(dest(), plain, [e])).toEqual([{ kind: 'payload', payload: e }]);
  });

  it("uses the type's default mapping when the Destination sets none", async () => {
    expect(await run(dest(), withDefaults, [ev({ userId: null, anonymousId: 'a1' })])).toEqual([
      { kind: 'payload', payload: { event_name: 'Order Completed', user: { id: 'a1' } } },
    ]);
  });

  it('lets spec.mapping replace default keys and the defaults beneath them', async () => {
    const d = dest({ mapping: { event_name: 'event == "Order Completed" ? "Purchase" : event', user: '{"id": userId}' } });
    expect(await run(d, withDefaults, [ev()])).toEqual([{ kind: 'payload', payload: { event_name: 'Purchase', user: { id: 'u1' } } }]);
  });

  it('drops an event for which no field has a value', async () => {
    const d = dest({ mapping: { email: 'traits.email' } });
    const out = await run(d, plain, [ev(), ev({ traits: { email: 'a@b.c' } })]);
    expect(out).toEqual<TransformOutcome[]>([
      { kind: 'drop', reason: EMPTY_PAYLOAD_REASON },
      { kind: 'payload', payload: { email: 'a@b.c' } },
    ]);
  });

  it('refuses a mapping that does not compile, naming the key and position', () => {
    let err: unknown;
    try {
      createTransform(dest({ mapping: { 'user.em': 'sha256(trait.email)' } }), plain);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DestinationConfigError);
    expect((err as DestinationConfigError).problems[0]).toContain('mapping["user.em"]: compiling CEL expression: Unknown variable: trait at column 8');
  });

  it('refuses a function that does not compile, with its position, along with mapping problems', () => {
    let err: unknown;
    try {
      createTransform(dest({ mapping: { a: 'evnt' } }, { functionSource: 'function onTrack(e) { return e +; }' }), plain);
    } catch (e) {
      err = e;
    }
    expect((err as DestinationConfigError).problems).toEqual([
      expect.stringContaining('mapping["a"]: compiling CEL expression: Unknown variable: evnt') as unknown,
      expect.stringMatching(/^function: SyntaxError: Unexpected token .* \(line 1, column \d+\)$/) as unknown,
    ]);
  });

  it('runs the function, then maps what it returns; dispose frees the isolate', async () => {
    const source = 'function onTrack(event) { event.event = event.event + "!"; return event; }\nfunction onIdentify() { return null; }';
    const transform = createTransform(dest({ mapping: { name: 'event', user: 'userId' } }, { functionSource: source }), plain);
    try {
      const out = await transform([ev(), ev({ type: 'identify' }), ev({ type: 'page' })]);
      expect(out[0]).toEqual({ kind: 'payload', payload: { name: 'Order Completed!', user: 'u1' } });
      expect(out.slice(1).map((o) => o.kind)).toEqual(['drop', 'drop']);
    } finally {
      transform.dispose?.();
    }
    await expect(transform([ev()])).rejects.toThrow(/stopping/);
  });

  it('dead-letters events when the function\'s top-level code fails', async () => {
    const transform = createTransform(dest({}, { functionSource: 'throw new Error("boom");\nfunction onTrack(e) { return e; }' }), plain);
    try {
      const [o] = await transform([ev()]);
      expect(o?.kind).toBe('error');
      expect(o?.kind === 'error' && o.error.kind).toBe('payload');
      expect(o?.kind === 'error' && o.error.message).toContain('boom');
    } finally {
      transform.dispose?.();
    }
  });

  it('is what compileDestination runs, and what checkDestination reports', async () => {
    const d = dest({ settings: { url: 'http://127.0.0.1:9/x' }, mapping: { id: 'messageId' } });
    const compiled = compileDestination(d, DESTINATIONS);
    try {
      expect(await compiled.transform([ev()])).toEqual([{ kind: 'payload', payload: { id: 'm1' } }]);
    } finally {
      await compiled.client.close?.();
    }
    expect(checkDestination(dest({ settings: { url: 'http://127.0.0.1:9/x' }, mapping: { id: 'messageid' } }), DESTINATIONS)).toEqual([
      expect.stringMatching(/^mapping\["id"\]: compiling CEL expression: Unknown variable: messageid at column 1/) as unknown,
    ]);
  });
});

describe('withFunction', () => {
  const fn: FunctionStep = (events) =>
    Promise.resolve(
      events.map((e): TransformOutcome => (e.event === 'Skip' ? { kind: 'drop', reason: 'function: dropped' } : { kind: 'payload', payload: { ...e, event: `${e.event}!` } })),
    );

  it('maps what the function returns and passes its drops through', async () => {
    const out = await withFunction(fn, compileMapping({ name: 'event' }))([ev(), ev({ event: 'Skip' })]);
    expect(out).toEqual([{ kind: 'payload', payload: { name: 'Order Completed!' } }, { kind: 'drop', reason: 'function: dropped' }]);
  });

  it('sends what the function returns when there is no mapping', async () => {
    const out = await withFunction(fn, undefined)([ev()]);
    expect(out).toEqual([{ kind: 'payload', payload: { ...ev(), event: 'Order Completed!' } }]);
  });
});

describe('the catalogue', () => {
  it.each(DESTINATIONS.filter((t) => t.defaultMapping).map((t) => [t.type, t] as const))('%s: the default mapping compiles', (_name, type) => {
    expect(() => createTransform(dest({ type: type.type as DestinationRuntime['spec']['type'] }), type)).not.toThrow();
  });
});
