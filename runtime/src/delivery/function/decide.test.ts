import { describe, expect, it } from 'vitest';
import {
  classifyCallError,
  failureResult,
  handlerName,
  interpretPass,
  lostPass,
  passTimeoutMs,
  readCollected,
  readPart,
  sourcePosition,
  type Collected,
} from './decide.ts';

const limits = { eventTimeoutMs: 50, batchTimeoutMs: 1000, memoryLimitMb: 32 };
const ok = (payload: unknown) => ({ kind: 'ok' as const, payload });

function collected(over: Partial<Collected>): Collected {
  return { done: true, next: 0, batch: null, parts: [], logs: [], droppedLogs: 0, ...over };
}

describe('readPart', () => {
  it.each([
    [{ k: 'ok', p: { a: 1 } }, ok({ a: 1 })],
    [{ k: 'ok', p: null }, ok(null)],
    [{ k: 'drop', r: 'why' }, { kind: 'drop', reason: 'why' }],
    [{ k: 'retry', r: 'why' }, { kind: 'retry', reason: 'why' }],
    [{ k: 'invalid', r: 'why' }, { kind: 'invalid', reason: 'why' }],
    [{ k: 'error', r: 'why', c: 'threw' }, { kind: 'error', reason: 'why', code: 'threw' }],
  ])('reads %j', (part, expected) => {
    expect(readPart(part)).toEqual(expected);
  });

  it.each([
    ['no payload', { k: 'ok' }],
    ['unknown kind', { k: 'maybe', r: 'x' }],
    ['reason not a string', { k: 'drop', r: 5 }],
    ['error without code', { k: 'error', r: 'x' }],
    ['error with an unknown code', { k: 'error', r: 'x', c: 'oops' }],
    ['not an object', 'ok'],
    ['an array', [1]],
  ])('rejects %s', (_name, part) => {
    expect(readPart(part)).toBeUndefined();
  });
});

describe('readCollected', () => {
  it('reads what the driver writes', () => {
    const text = JSON.stringify({
      done: true,
      next: 2,
      batch: null,
      parts: [{ k: 'ok', p: 1 }, { k: 'drop', r: 'no' }],
      logs: [{ level: 'warn', message: 'hi', messageId: 'm1' }, { level: 'log', message: 'x' }],
      droppedLogs: 3,
    });
    expect(readCollected(text)).toEqual({
      done: true,
      next: 2,
      batch: null,
      parts: [ok(1), { kind: 'drop', reason: 'no' }],
      logs: [{ level: 'warn', message: 'hi', messageId: 'm1' }, { level: 'log', message: 'x' }],
      droppedLogs: 3,
    });
  });

  it('reads a whole-batch failure', () => {
    const text = JSON.stringify({ done: true, next: 3, batch: { k: 'retry', r: 'later' }, parts: [], logs: [], droppedLogs: 0 });
    expect(readCollected(text)?.batch).toEqual({ kind: 'retry', reason: 'later' });
  });

  it.each([
    ['not a string', 42],
    ['not JSON', '{"done":'],
    ['missing done', '{"next":0,"parts":[],"logs":[]}'],
    ['negative next', '{"done":true,"next":-1,"batch":null,"parts":[],"logs":[]}'],
    ['a bad part', '{"done":true,"next":1,"batch":null,"parts":[{"k":"nope"}],"logs":[]}'],
    ['an ok batch part', '{"done":true,"next":1,"batch":{"k":"ok","p":1},"parts":[],"logs":[]}'],
    ['a bad log level', '{"done":true,"next":0,"batch":null,"parts":[],"logs":[{"level":"shout","message":"x"}]}'],
  ])('rejects %s', (_name, text) => {
    expect(readCollected(text)).toBeUndefined();
  });
});

describe('classifyCallError', () => {
  it.each([
    ['Script execution timed out.', 'timeout'],
    ['Isolate was disposed during execution due to memory limit', 'memory'],
    ['Isolate was disposed during execution', 'disposed'],
    ['Isolate is disposed', 'disposed'],
    ['Isolated is disposed', 'disposed'],
    ['Isolate is already disposed', 'disposed'],
    ['something else entirely', 'other'],
  ])('%s → %s', (message, expected) => {
    expect(classifyCallError(new Error(message))).toBe(expected);
  });
});

describe('interpretPass', () => {
  it('completes when every event has its result', () => {
    expect(interpretPass(collected({ next: 7, parts: [ok(1), ok(2)] }), 5, 2, false)).toEqual({ kind: 'complete', results: [ok(1), ok(2)] });
  });

  it('completes even if the time ran out after the last result', () => {
    expect(interpretPass(collected({ done: false, next: 1, parts: [ok(1)] }), 0, 1, true)).toEqual({ kind: 'complete', results: [ok(1)] });
  });

  it('blames the running event for a timeout and keeps the earlier results', () => {
    expect(interpretPass(collected({ done: false, next: 2, parts: [ok(1), ok(2)] }), 0, 5, true)).toEqual({
      kind: 'stuck',
      results: [ok(1), ok(2)],
      at: 2,
      failure: 'timeout',
    });
  });

  it('blames the waiting event when the call ended without finishing: a promise that never settles', () => {
    expect(interpretPass(collected({ done: false, next: 3, parts: [ok(1)] }), 2, 3, false)).toMatchObject({ kind: 'stuck', at: 3, failure: 'unsettled' });
  });

  it('passes a whole-batch failure on', () => {
    const failure = { kind: 'error' as const, reason: 'x', code: 'threw' as const };
    expect(interpretPass(collected({ next: 4, batch: failure }), 0, 4, false)).toEqual({ kind: 'batch', result: failure });
  });

  it.each([
    ['nothing readable', undefined],
    ['next before the range', collected({ next: 0 })],
    ['next beyond the range', collected({ next: 9, parts: [] })],
    ['parts that do not match next', collected({ next: 3, parts: [ok(1)] })],
  ])('loses the pass on %s', (_name, c) => {
    expect(interpretPass(c, 1, 3, false)).toMatchObject({ kind: 'lost', failure: 'output' });
  });
});

describe('lostPass', () => {
  it.each([
    ['memory', 'memory'],
    ['disposed', 'disposed'],
    ['other', 'sandbox'],
    ['timeout', 'sandbox'],
  ] as const)('%s → %s', (failure, expected) => {
    expect(lostPass(failure, 'm')).toEqual({ kind: 'lost', failure: expected, message: 'm' });
  });
});

describe('failureResult', () => {
  it.each([
    ['timeout', 'error', 'running onTrack: stopped at the time limit (50 ms per event, 1000 ms per batch)'],
    ['unsettled', 'error', 'running onTrack: it returned a promise that never settles (the sandbox has no timers or I/O to settle it)'],
    ['memory', 'error', 'running onTrack: the sandbox ran out of memory (limit 32 MB) and was restarted'],
    ['sandbox', 'error', 'running onTrack: the sandbox failed: boom'],
    ['output', 'error', 'running onTrack: the sandbox returned malformed results'],
    ['unavailable', 'retry', "starting the function's sandbox: boom"],
    ['disposed', 'retry', 'the function was stopped or replaced before this event ran'],
    ['budget', 'retry', "not run: other events of the batch used up the function's time (1000 ms)"],
  ] as const)('%s → %s', (failure, kind, reason) => {
    expect(failureResult(failure, 'onTrack', limits, 'boom')).toMatchObject({ kind, reason });
  });

  it('codes errors for metrics', () => {
    expect(failureResult('memory', 'onTrack', limits)).toMatchObject({ code: 'memory' });
    expect(failureResult('timeout', 'onTrack', limits)).toMatchObject({ code: 'timeout' });
  });
});

describe('handlerName', () => {
  it.each([
    ['track', false, 'onTrack'],
    ['alias', false, 'onAlias'],
    ['track', true, 'onBatch'],
    ['weird', false, 'the function'],
    [undefined, false, 'the function'],
  ])('%s (batch %s) → %s', (type, batch, expected) => {
    expect(handlerName(type, batch)).toBe(expected);
  });
});

describe('passTimeoutMs', () => {
  it.each([
    [1, 50],
    [10, 500],
    [20, 1000],
    [500, 1000],
  ])('%i events → %i ms', (count, ms) => {
    expect(passTimeoutMs(count, limits)).toBe(ms);
  });
});

describe('sourcePosition', () => {
  it('reads the position isolated-vm appends to syntax errors', () => {
    const err = new SyntaxError("Unexpected token ';' [function.js:2:13]");
    expect(sourcePosition(err, 'function.js')).toEqual({ message: "SyntaxError: Unexpected token ';'", line: 2, column: 13 });
  });

  it('reads the position of a runtime error from its stack', () => {
    const err = new ReferenceError('require is not defined');
    err.stack = 'ReferenceError: require is not defined\n    at function.js:3:11\n    at (<isolated-vm boundary>)';
    expect(sourcePosition(err, 'function.js')).toEqual({ message: 'ReferenceError: require is not defined', line: 3, column: 11 });
  });

  it('gives the message alone without a position', () => {
    const err = new Error('no idea');
    err.stack = 'Error: no idea\n    at elsewhere.js:1:1';
    expect(sourcePosition(err, 'function.js')).toEqual({ message: 'no idea' });
    expect(sourcePosition('a string', 'function.js')).toEqual({ message: 'a string' });
  });
});
