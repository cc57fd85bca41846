import { describe, expect, it } from 'vitest';
import { checkFunctionSource, compileFunction, compileFunctionSync, FunctionCompileError, normaliseLimits } from './index.ts';
import { track } from './testing.ts';

async function compileError(source: string, opts = {}): Promise<FunctionCompileError> {
  try {
    const f = await compileFunction(source, opts);
    f.dispose();
  } catch (err) {
    if (err instanceof FunctionCompileError) return err;
    throw err;
  }
  throw new Error('expected a FunctionCompileError');
}

describe('compileFunction', () => {
  it('reports a syntax error with its line and column', async () => {
    const err = await compileError('async function onTrack(event) {\n  return event +;\n}', { name: 'meta-ads' });
    expect(err.problem).toEqual({ message: "SyntaxError: Unexpected token ';'", line: 2, column: 17 });
    expect(err.message).toBe(`compiling function "meta-ads": SyntaxError: Unexpected token ';' (line 2, column 17)`);
  });

  it('reports ES module syntax as the syntax error it is here', async () => {
    const err = await compileError('export async function onTrack(e) { return e }');
    expect(err.problem).toEqual({
      message: "SyntaxError: Unexpected token 'export' (functions are scripts, as in Segment: declare `async function onTrack(event, settings)` without export or import)",
      line: 1,
      column: 1,
    });
  });

  it('reports a failing top-level statement with its position', async () => {
    const err = await compileError('const fs = require("fs");\nasync function onTrack(e) { return e }');
    expect(err.problem).toEqual({ message: 'running the top-level code: ReferenceError: require is not defined', line: 1, column: 12 });
  });

  it('stops top-level code that never ends', async () => {
    const err = await compileError('while (true) {}\nfunction onTrack(e) { return e }', { batchTimeoutMs: 100 });
    expect(err.problem.message).toBe('running the top-level code: Script execution timed out.');
  });

  it.each([
    ['no handler', 'function transform(e) { return e }', 'it defines no handler; expected at least one of onTrack, onIdentify, onPage, onScreen, onGroup, onAlias, onBatch'],
    ['a handler that is not a function', 'var onTrack = 5; var onBatch = "x";', 'onTrack is a number, not a function; onBatch is a string, not a function'],
    ['an empty source', '  \n', 'the source is empty'],
    ['an oversized source', `function onTrack(e) { return e }\n//${'x'.repeat(1024 * 1024)}`, 'the source is 1048611 bytes, over the limit of 1048576'],
  ])('rejects %s', async (_name, source, message) => {
    expect((await compileError(source)).problem).toEqual({ message });
  });

  it('rejects settings that are not JSON', async () => {
    const err = await compileError('function onTrack(e) { return e }', { settings: { n: 1n } });
    expect(err.problem.message).toBe('the settings are not JSON: Do not know how to serialize a BigInt');
  });

  it("lets a function declare its own crypto, console and Segment's error classes", async () => {
    const f = compileFunctionSync(`
      const crypto = { sha256: () => 'mine' };
      class DropEvent extends Error {}
      function onTrack(e) { return crypto.sha256(e) }`);
    expect(await f.run([track('x')])).toEqual([{ kind: 'ok', payload: 'mine' }]);
    f.dispose();
  });
});

describe('normaliseLimits', () => {
  it.each([
    [{}, { memoryLimitMb: 32, eventTimeoutMs: 50, batchTimeoutMs: 1000 }],
    [{ memoryLimitMb: 2, eventTimeoutMs: 0, batchTimeoutMs: 0 }, { memoryLimitMb: 8, eventTimeoutMs: 1, batchTimeoutMs: 1 }],
    [{ eventTimeoutMs: 200, batchTimeoutMs: 100 }, { memoryLimitMb: 32, eventTimeoutMs: 200, batchTimeoutMs: 200 }],
  ])('%j → %j', (opts, limits) => {
    expect(normaliseLimits(opts)).toEqual(limits);
  });
});

describe('checkFunctionSource', () => {
  it('accepts a valid function without running it', () => {
    expect(checkFunctionSource('while (true) {}\nasync function onTrack(e) { return e }')).toEqual({ ok: true });
  });

  it.each([
    ['a syntax error', 'function onTrack(e) {\n  return e +;\n}', { message: "SyntaxError: Unexpected token ';'", line: 2, column: 13 }],
    ['an unclosed block', 'function onTrack(e) {\n  if (e) {\n', { message: 'SyntaxError: Unexpected end of input', line: 3, column: 1 }],
    ['no handler named', 'function transform(e) { return e }', { message: 'it defines no handler; expected at least one of onTrack, onIdentify, onPage, onScreen, onGroup, onAlias, onBatch' }],
    ['an empty source', '', { message: 'the source is empty' }],
  ])('reports %s', (_name, source, error) => {
    expect(checkFunctionSource(source)).toEqual({ ok: false, error });
  });
});
