import { afterEach, describe, expect, it } from 'vitest';
import { compileFunction, type FunctionOptions, type FunctionResult, type UserFunction } from './index.ts';
import { track } from './testing.ts';

/**
 * Hostile and broken functions: each fault fails the event that causes it, with a reason
 * that says what happened, and leaves the other events, later runs and other functions alone.
 */

const live: UserFunction[] = [];
afterEach(() => {
  for (const f of live.splice(0)) f.dispose();
});

async function load(source: string, opts: FunctionOptions = {}): Promise<UserFunction> {
  const f = await compileFunction(source, { eventTimeoutMs: 100, batchTimeoutMs: 1000, ...opts });
  live.push(f);
  return f;
}

/** A function that misbehaves on events named `bad` and echoes the others. */
const faulty = (fault: string) => `async function onTrack(event) {\n  if (event.event === 'bad') {\n    ${fault}\n  }\n  return { echo: event.event };\n}`;

const echo = (name: string): FunctionResult => ({ kind: 'ok', payload: { echo: name } });

async function runAround(f: UserFunction): Promise<FunctionResult[]> {
  return f.run([track('before'), track('bad'), track('after'), track('later')]);
}

describe('faults stay with their event', () => {
  it.each([
    ['an infinite loop', 'while (true) {}', 'timeout', 'running onTrack: stopped at the time limit (100 ms per event, 1000 ms per batch)'],
    ['a loop after an await', 'await null; for (;;) {}', 'timeout', 'running onTrack: stopped at the time limit (100 ms per event, 1000 ms per batch)'],
    ['a loop in a detached promise chain', 'Promise.resolve().then(() => { for (;;) {} });', 'timeout', 'running onTrack: stopped at the time limit (100 ms per event, 1000 ms per batch)'],
    ['a promise that never settles', 'return new Promise(() => {});', 'unsettled', 'running onTrack: it returned a promise that never settles (the sandbox has no timers or I/O to settle it)'],
    ['unbounded recursion', 'const f = (n) => f(n + 1) + 1; return f(0);', 'threw', 'running onTrack: RangeError: Maximum call stack size exceeded at line 3, column 31'],
    ['a getter that loops while the result is serialised', 'return { get x() { for (;;) {} } };', 'timeout', 'running onTrack: stopped at the time limit (100 ms per event, 1000 ms per batch)'],
  ])('%s', async (_name, fault, code, reason) => {
    const f = await load(faulty(fault));
    const started = performance.now();
    const results = await runAround(f);
    expect(results).toEqual([echo('before'), { kind: 'error', code, reason }, echo('after'), echo('later')]);
    expect(performance.now() - started).toBeLessThan(5000);
    // The function keeps working on the next run.
    expect(await f.run([track('next')])).toEqual([echo('next')]);
  });

  // Generous time limits: under load a bomb can reach the clock before the memory limit.
  const roomy = { eventTimeoutMs: 3000, batchTimeoutMs: 6000 };

  it.each([
    ['a memory bomb', 'const keep = []; for (;;) keep.push(new Array(100000).fill(1.5));'],
    ['a huge result', 'return { list: Array.from({ length: 5e6 }, (_, i) => ({ i })) };'],
  ])('%s', async (_name, fault) => {
    const f = await load(faulty(fault), roomy);
    expect(await runAround(f)).toEqual([
      echo('before'),
      { kind: 'error', code: 'memory', reason: 'running onTrack: the sandbox ran out of memory (limit 32 MB) and was restarted' },
      echo('after'),
      echo('later'),
    ]);
    expect(await f.run([track('next')])).toEqual([echo('next')]);
  });

  it('restarts the isolate after a memory breach: global state starts over', async () => {
    const f = await load(`let n = 0;\nfunction onTrack(e) {\n  if (e.event === 'bad') { const a = []; for (;;) a.push(new Array(100000).fill(1)) }\n  return ++n;\n}`, roomy);
    expect(await f.run([track('a'), track('b')])).toEqual([{ kind: 'ok', payload: 1 }, { kind: 'ok', payload: 2 }]);
    const [bad] = await f.run([track('bad')]);
    expect(bad).toMatchObject({ kind: 'error', code: 'memory' });
    expect(await f.run([track('c')])).toEqual([{ kind: 'ok', payload: 1 }]);
  });

  it('bounds a batch where every event loops: the rest retry rather than run', async () => {
    const f = await load('function onTrack(e) { if (e.event !== "fine") for (;;) {} return 1 }', { eventTimeoutMs: 20, batchTimeoutMs: 100 });
    const started = performance.now();
    const results = await f.run([...Array.from({ length: 12 }, () => track('loop')), track('fine')]);
    const elapsed = performance.now() - started;
    expect(results[0]).toMatchObject({ kind: 'error', code: 'timeout' });
    expect(results.filter((r) => r.kind === 'error').length).toBeGreaterThanOrEqual(3);
    expect(results.at(-1)).toEqual({ kind: 'retry', reason: "not run: other events of the batch used up the function's time (100 ms)" });
    expect(elapsed).toBeLessThan(2000);
  });

  it('narrows an onBatch loop down to the event that causes it', async () => {
    const f = await load('async function onBatch(events) { return events.map((e) => { if (e.event === "bad") for (;;) {} return { echo: e.event } }) }');
    expect(await runAround(f)).toEqual([
      echo('before'),
      { kind: 'error', code: 'timeout', reason: 'running onBatch: stopped at the time limit (100 ms per event, 1000 ms per batch)' },
      echo('after'),
      echo('later'),
    ]);
  });

  it('narrows an onBatch memory bomb down to the event that causes it', async () => {
    const f = await load('async function onBatch(events) { return events.map((e) => { if (e.event === "bad") { const a = []; for (;;) a.push(new Array(1e5).fill(1)) } return { echo: e.event } }) }', roomy);
    const results = await runAround(f);
    expect(results[1]).toMatchObject({ kind: 'error', code: 'memory' });
    expect([results[0], results[2], results[3]]).toEqual([echo('before'), echo('after'), echo('later')]);
  });
});

describe('other functions are unaffected', () => {
  it("answers another destination's events while one function loops", async () => {
    const looping = await load('function onTrack() { for (;;) {} }', { eventTimeoutMs: 50, batchTimeoutMs: 300 });
    const healthy = await load('let n = 0; function onTrack() { return ++n }');
    let loopingDone = false;
    const slow = looping.run(Array.from({ length: 10 }, () => track('x'))).then((r) => ((loopingDone = true), r));
    const fast = await healthy.run([track('a'), track('b')]);
    expect(fast).toEqual([{ kind: 'ok', payload: 1 }, { kind: 'ok', payload: 2 }]);
    expect(loopingDone).toBe(false);
    expect((await slow).every((r) => r.kind === 'error' || r.kind === 'retry')).toBe(true);
  });

  it("keeps another function's state when one runs out of memory", async () => {
    const bomb = await load('function onTrack() { const a = []; for (;;) a.push(new Array(1e5).fill(1)) }', { eventTimeoutMs: 3000, batchTimeoutMs: 6000 });
    const counter = await load('let n = 0; function onTrack() { return ++n }');
    expect(await counter.run([track('a')])).toEqual([{ kind: 'ok', payload: 1 }]);
    const [boom] = await bomb.run([track('x')]);
    expect(boom).toMatchObject({ kind: 'error', code: 'memory' });
    expect(await counter.run([track('b')])).toEqual([{ kind: 'ok', payload: 2 }]);
  });
});

describe('escape attempts fail inside the sandbox', () => {
  it.each([
    ['the constructor chain to process', "return this.constructor.constructor('return process')().env;", 'ReferenceError: process is not defined'],
    ['the constructor chain of an async function', "return (await (async () => {}).constructor('return process')()).pid;", 'ReferenceError: process is not defined'],
    ['the constructor chain of a toolbox function', "return crypto.sha256.constructor('return process')().pid;", 'ReferenceError: process is not defined'],
    ['the constructor chain of console.log', "return console.log.constructor('return require')()('fs');", 'ReferenceError: require is not defined'],
    ['require', "return require('child_process').execSync('id');", 'ReferenceError: require is not defined'],
    ['dynamic import', "return (await import('fs')).readFileSync('/etc/passwd', 'utf8');", 'Error: Not supported'],
    ['eval reaching process', "return eval('process.env');", 'ReferenceError: process is not defined'],
    ['timers', 'setTimeout(() => {}, 0); return 1;', 'ReferenceError: setTimeout is not defined'],
    ['the network', "return await fetch('http://127.0.0.1:1/');", 'ReferenceError: fetch is not defined'],
    ['Buffer', "return Buffer.from('x');", 'ReferenceError: Buffer is not defined'],
  ])('%s', async (_name, fault, message) => {
    const f = await load(faulty(fault));
    const results = await runAround(f);
    expect(results[1]).toMatchObject({ kind: 'error', code: 'threw' });
    expect((results[1] as { reason: string }).reason).toContain(message);
    expect([results[0], results[2], results[3]]).toEqual([echo('before'), echo('after'), echo('later')]);
  });

  it('finds no host capability among the globals, wherever it looks', async () => {
    const f = await load(`function onTrack() {
      const g = crypto.sha256.constructor('return this')();
      const names = Object.getOwnPropertyNames(g);
      const kinds = {};
      for (const n of ['process', 'require', 'module', 'Buffer', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask',
        'fetch', 'XMLHttpRequest', 'WebSocket', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'global', 'ivm', '_ivm']) kinds[n] = typeof g[n];
      return { sameGlobal: g === globalThis, kinds, names: names.filter((n) => /ivm|sluice|driver|host/i.test(n)) };
    }`);
    const [r] = await f.run([track('x')]);
    expect(r?.kind).toBe('ok');
    const payload = (r as { payload: { sameGlobal: boolean; kinds: Record<string, string>; names: string[] } }).payload;
    expect(payload.sameGlobal).toBe(true);
    expect(Object.entries(payload.kinds).filter(([, t]) => t !== 'undefined')).toEqual([]);
    expect(payload.names).toEqual([]);
  });

  it('cannot change the host event objects it was given', async () => {
    const f = await load('function onTrack(e) { Object.prototype.polluted = true; e.context.ip = "x"; return 1 }');
    const input = track('x', { context: { ip: '203.0.113.9' } });
    await f.run([input]);
    expect(input.context).toEqual({ ip: '203.0.113.9' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
