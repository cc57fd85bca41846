import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { compileFunction, type FunctionLogLine, type FunctionOptions, type UserFunction } from './index.ts';
import { event, track } from './testing.ts';

const live: UserFunction[] = [];
afterEach(() => {
  for (const f of live.splice(0)) f.dispose();
});

async function load(source: string, opts: FunctionOptions = {}): Promise<UserFunction> {
  // Generous time limits: these tests are about semantics, not the clock of a busy machine.
  const f = await compileFunction(source, { eventTimeoutMs: 2000, batchTimeoutMs: 4000, ...opts });
  live.push(f);
  return f;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('handlers', () => {
  it('transforms a track event: renames fields and hashes the e-mail, with settings', async () => {
    const f = await load(
      `async function onTrack(event, settings) {
        return {
          name: settings.prefix + event.event,
          value: event.properties.revenue,
          em: crypto.sha256(event.context.traits.email.trim().toLowerCase()),
        };
      }`,
      { settings: { prefix: 'x:' } },
    );
    const [r] = await f.run([track('Order Completed', { properties: { revenue: 9.5 }, context: { traits: { email: ' A@B.com ' } } })]);
    expect(r).toEqual({ kind: 'ok', payload: { name: 'x:Order Completed', value: 9.5, em: sha('a@b.com') } });
    expect(f.handlers).toEqual(['onTrack']);
    expect(f.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('dispatches each event type to its handler, sync or async', async () => {
    const f = await load(`
      async function onTrack(e) { return { h: 'onTrack', id: e.messageId } }
      function onIdentify(e) { return { h: 'onIdentify', id: e.messageId } }
      const onPage = async (e) => ({ h: 'onPage', id: e.messageId });
      let onScreen = (e) => ({ h: 'onScreen', id: e.messageId });
      var onGroup = function (e) { return { h: 'onGroup', id: e.messageId } };
      async function onAlias(e) { return { h: 'onAlias', id: e.messageId } }
    `);
    const events = (['track', 'identify', 'page', 'screen', 'group', 'alias'] as const).map((t) => event(t));
    const results = await f.run(events);
    expect(results.map((r) => (r.kind === 'ok' ? r.payload : r))).toEqual(
      ['onTrack', 'onIdentify', 'onPage', 'onScreen', 'onGroup', 'onAlias'].map((h, i) => ({ h, id: events[i]!.messageId })),
    );
    expect(f.handlers).toEqual(['onTrack', 'onIdentify', 'onPage', 'onScreen', 'onGroup', 'onAlias']);
  });

  it('drops events of a type without a handler, like Segment (EventNotSupported)', async () => {
    const f = await load('async function onTrack(e) { return e }');
    const [r] = await f.run([event('identify')]);
    expect(r).toEqual({ kind: 'drop', reason: 'no onIdentify handler: identify events are not supported by this function (EventNotSupported)' });
  });

  it('drops an event when the handler returns nothing', async () => {
    const f = await load('async function onTrack(e) { if (e.event === "null") return null }');
    expect(await f.run([track('null'), track('undefined')])).toEqual([
      { kind: 'drop', reason: 'onTrack returned nothing, so the event is not sent' },
      { kind: 'drop', reason: 'onTrack returned nothing, so the event is not sent' },
    ]);
  });

  it.each([
    ['DropEvent', 'drop', 'onTrack dropped the event: because'],
    ['EventNotSupported', 'drop', 'onTrack: event not supported: because'],
    ['InvalidEventPayload', 'invalid', 'onTrack rejected the event as invalid (InvalidEventPayload): because'],
    ['ValidationError', 'invalid', 'onTrack rejected the event as invalid (ValidationError): because'],
    ['RetryError', 'retry', 'onTrack asked to retry later: because'],
  ])('maps a thrown %s to %s', async (name, kind, reason) => {
    const f = await load(`async function onTrack(e) { throw new ${name}('because') }`);
    expect(await f.run([track('x')])).toEqual([{ kind, reason }]);
  });

  it("recognises Segment's error names on the function's own classes", async () => {
    const f = await load('class RetryError extends Error {}\nasync function onTrack(e) { throw new RetryError("busy") }');
    expect(await f.run([track('x')])).toEqual([{ kind: 'retry', reason: 'onTrack asked to retry later: busy' }]);
  });

  it('fails an event whose handler crashes, with the line and column', async () => {
    const f = await load('async function onTrack(e) {\n  return e.properties.missing.deep;\n}');
    const [r] = await f.run([track('x')]);
    expect(r).toEqual({
      kind: 'error',
      code: 'threw',
      reason: "running onTrack: TypeError: Cannot read properties of undefined (reading 'deep') at line 2, column 31",
    });
  });

  it.each([
    ['a string', '"boom"', 'running onTrack: threw a non-Error value: "boom"'],
    ['a number', '42', 'running onTrack: threw a non-Error value: 42'],
    ['undefined', 'undefined', 'running onTrack: threw a non-Error value: undefined'],
    ['a plain object', '{ code: 7 }', 'running onTrack: threw a non-Error value: {"code":7}'],
    ['an error-like object', '{ name: "HttpError", message: "503" }', 'running onTrack: HttpError: 503'],
  ])('fails an event whose handler throws %s', async (_name, value, reason) => {
    const f = await load(`async function onTrack(e) { throw ${value} }`);
    expect(await f.run([track('x')])).toEqual([{ kind: 'error', code: 'threw', reason }]);
  });

  it('hands each handler a copy: changes inside never reach the host', async () => {
    const f = await load('async function onTrack(e) { e.properties.changed = true; e.event = "renamed"; return e.properties }');
    const input = track('x', { properties: { a: 1 } });
    const [r] = await f.run([input]);
    expect(r).toEqual({ kind: 'ok', payload: { a: 1, changed: true } });
    expect(input).toMatchObject({ event: 'x', properties: { a: 1 } });
  });

  it('deep-freezes settings so one event cannot change what the next sees', async () => {
    const f = await load(
      `function onTrack(e, s) { const before = s.nested.n; try { s.nested.n = 99 } catch {} s.added = 1; return { before, frozen: Object.isFrozen(s.nested) } }`,
      { settings: { nested: { n: 1 } } },
    );
    expect(await f.run([track('a'), track('b')])).toEqual([
      { kind: 'ok', payload: { before: 1, frozen: true } },
      { kind: 'ok', payload: { before: 1, frozen: true } },
    ]);
  });

  it('keeps global state between events and runs, like a warm function', async () => {
    const f = await load('let n = 0; function onTrack() { return ++n }');
    expect(await f.run([track('a'), track('b')])).toEqual([{ kind: 'ok', payload: 1 }, { kind: 'ok', payload: 2 }]);
    expect(await f.run([track('c')])).toEqual([{ kind: 'ok', payload: 3 }]);
  });

  it('runs one batch at a time when called concurrently', async () => {
    const f = await load('let n = 0; async function onTrack() { await null; return ++n }');
    const [a, b] = await Promise.all([f.run([track('a'), track('b')]), f.run([track('c'), track('d')])]);
    expect([...a, ...b]).toEqual([1, 2, 3, 4].map((payload) => ({ kind: 'ok', payload })));
  });

  it('answers an empty batch without entering the sandbox', async () => {
    const f = await load('function onTrack() { throw new Error("must not run") }');
    expect(await f.run([])).toEqual([]);
  });

  it('answers retry for the events of a run cut short by dispose', async () => {
    const f = await load('function onTrack(e) { if (e.event === "slow") for (;;) {} return 1 }');
    const running = f.run([track('slow'), track('fast')]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    f.dispose();
    expect(await running).toEqual([
      { kind: 'retry', reason: 'the function was stopped or replaced before this event ran' },
      { kind: 'retry', reason: 'the function was stopped or replaced before this event ran' },
    ]);
  });

  it('answers retry for every event once disposed', async () => {
    const f = await load('function onTrack(e) { return e }');
    f.dispose();
    expect(await f.run([track('a'), track('b')])).toEqual([
      { kind: 'retry', reason: 'the function was stopped or replaced before this event ran' },
      { kind: 'retry', reason: 'the function was stopped or replaced before this event ran' },
    ]);
  });
});

describe('output', () => {
  it('sends plain JSON: dates become strings, undefined fields vanish', async () => {
    const f = await load('function onTrack() { return { at: new Date(0), gone: undefined, list: [1, "a", null] } }');
    expect(await f.run([track('x')])).toEqual([{ kind: 'ok', payload: { at: '1970-01-01T00:00:00.000Z', list: [1, 'a', null] } }]);
  });

  it.each([
    ['a BigInt', '({ n: 10n })', 'onTrack returned a value that cannot be serialised as JSON: TypeError: Do not know how to serialize a BigInt'],
    ['a cycle', '(() => { const o = {}; o.self = o; return o })()', 'onTrack returned a value that cannot be serialised as JSON: TypeError: Converting circular structure to JSON'],
    ['a function', '(() => 1)', 'onTrack returned a function, which is not JSON'],
    ['a symbol', 'Symbol("s")', 'onTrack returned a symbol, which is not JSON'],
    ['a throwing toJSON', '({ toJSON() { throw new Error("no") } })', 'onTrack returned a value that cannot be serialised as JSON: Error: no'],
  ])('fails an event whose handler returns %s', async (_name, value, reason) => {
    const f = await load(`function onTrack() { return ${value} }`);
    const [r] = await f.run([track('x')]);
    expect(r).toMatchObject({ kind: 'error', code: 'output' });
    expect((r as { reason: string }).reason.startsWith(reason)).toBe(true);
  });

  it('bounds the payload size, counting UTF-8 bytes', async () => {
    const f = await load('function onTrack(e) { return { s: e.event === "big" ? "é".repeat(600) : "é".repeat(400) } }', { maxPayloadBytes: 1000 });
    const [big, small] = await f.run([track('big'), track('small')]);
    expect(big).toEqual({ kind: 'error', code: 'output', reason: 'onTrack returned 1208 bytes of JSON, over the limit of 1000' });
    expect(small).toMatchObject({ kind: 'ok' });
  });

  it('bounds the default payload at 256 KiB', async () => {
    const f = await load('function onTrack() { return "x".repeat(300000) }');
    expect(await f.run([track('x')])).toEqual([{ kind: 'error', code: 'output', reason: 'onTrack returned 300002 bytes of JSON, over the limit of 262144' }]);
  });
});

describe('onBatch', () => {
  it('receives the whole batch and returns one result per event, in order', async () => {
    const f = await load(`
      async function onTrack() { throw new Error('onBatch takes precedence') }
      async function onBatch(events, settings) {
        return events.map((e) => e.event === 'skip' ? null : e.event === 'bad' ? new InvalidEventPayload('no id') : { n: e.event, s: settings.s });
      }`, { settings: { s: 1 } });
    expect(await f.run([track('a'), track('skip'), track('bad'), track('b')])).toEqual([
      { kind: 'ok', payload: { n: 'a', s: 1 } },
      { kind: 'drop', reason: 'onBatch returned nothing, so the event is not sent' },
      { kind: 'invalid', reason: 'onBatch rejected the event as invalid (InvalidEventPayload): no id' },
      { kind: 'ok', payload: { n: 'b', s: 1 } },
    ]);
    expect(f.handlers).toEqual(['onTrack', 'onBatch']);
  });

  it('applies a typed error thrown by onBatch to the whole batch, as Segment does', async () => {
    const f = await load('async function onBatch(events) { throw new RetryError("rate limited") }');
    expect(await f.run([track('a'), track('b')])).toEqual([
      { kind: 'retry', reason: 'onBatch asked to retry later: rate limited' },
      { kind: 'retry', reason: 'onBatch asked to retry later: rate limited' },
    ]);
  });

  it('narrows a crash down to the event that causes it', async () => {
    const f = await load('async function onBatch(events) { return events.map((e) => e.properties.ok ? { n: e.event } : e.properties.x.y) }');
    const results = await f.run([track('a', { properties: { ok: true } }), track('b', { properties: {} }), track('c', { properties: { ok: true } })]);
    expect(results).toEqual([
      { kind: 'ok', payload: { n: 'a' } },
      { kind: 'error', code: 'threw', reason: "running onBatch: TypeError: Cannot read properties of undefined (reading 'y') at line 1, column 109" },
      { kind: 'ok', payload: { n: 'c' } },
    ]);
  });

  it('fails only the events for which onBatch does not return one result each', async () => {
    const f = await load('async function onBatch(events) { return events.filter((e) => e.event !== "gone") }');
    expect(await f.run([track('a'), track('gone'), track('b')])).toEqual([
      { kind: 'ok', payload: expect.objectContaining({ event: 'a' }) as unknown },
      { kind: 'error', code: 'output', reason: 'onBatch returned 0 results; expected an array of 1 results, one per event, in order' },
      { kind: 'ok', payload: expect.objectContaining({ event: 'b' }) as unknown },
    ]);
  });
});

describe('toolbox', () => {
  it('offers crypto.sha256 and a createHash("sha256") like Node for Segment functions', async () => {
    const f = await load(`function onTrack(e) {
      return {
        a: crypto.sha256(e.event),
        hex: crypto.createHash('sha256').update('ab').update('c').digest('hex'),
        b64: crypto.createHash('SHA256').update(e.event).digest('base64'),
      };
    }`);
    for (const name of ['x', 'ab', 'abc', 'héllo 😀']) {
      expect(await f.run([track(name)])).toEqual([
        { kind: 'ok', payload: { a: sha(name), hex: sha('abc'), b64: createHash('sha256').update(name).digest('base64') } },
      ]);
    }
  });

  it('refuses other hash algorithms clearly', async () => {
    const f = await load('function onTrack() { return crypto.createHash("md5").update("x").digest("hex") }');
    const [r] = await f.run([track('x')]);
    expect(r).toMatchObject({ kind: 'error', code: 'threw' });
    expect((r as { reason: string }).reason).toContain('crypto.createHash: only "sha256" is available in the sandbox, not "md5"');
  });

  it('captures console output per event, bounded in lines and length', async () => {
    const lines: FunctionLogLine[] = [];
    const f = await load(
      `function onTrack(e) {
        if (e.event === 'loud') { for (let i = 0; i < 60; i++) console.log('line', i); return 1 }
        console.warn('seen', e.event, { n: 1 }); console.error('x'.repeat(5000)); return 1;
      }`,
      { onLog: (l) => lines.push(l) },
    );
    const quiet = track('quiet');
    await f.run([quiet]);
    expect(lines[0]).toEqual({ level: 'warn', message: 'seen quiet {"n":1}', messageId: quiet.messageId });
    expect(lines[1]?.level).toBe('error');
    expect(lines[1]?.message.length).toBe(1001);
    lines.length = 0;
    await f.run([track('loud')]);
    expect(lines).toHaveLength(51);
    expect(lines[49]?.message).toBe('line 49');
    expect(lines[50]).toEqual({ level: 'warn', message: '10 more console line(s) dropped in this batch' });
  });
});
