import type ivm from 'isolated-vm';
import { sourcePosition } from './decide.ts';
import { isolatedVm } from './ivm.ts';
import { FILENAME } from './isolate.ts';
import { FUNCTION_DEFAULTS, type SourceCheck } from './types.ts';

const HANDLER_MENTION = /\bon(?:Track|Identify|Page|Screen|Group|Alias|Batch)\b/;

/** Compiles, never runs: checking a source needs one small isolate for the whole process. */
let checker: ivm.Isolate | undefined;

/**
 * Whether a function's source would load, for `sluice validate` and the operator: syntax
 * errors with their line and column, an oversized source, or a source that names no
 * handler. Top-level code is not run here; compileFunction reports its failures.
 */
export function checkFunctionSource(source: string): SourceCheck {
  const problem = sizeProblem(source);
  if (problem) return { ok: false, error: { message: problem } };
  if (!checker || checker.isDisposed) checker = new (isolatedVm().Isolate)({ memoryLimit: 32 });
  try {
    checker.compileScriptSync(source, { filename: FILENAME }).release();
  } catch (err) {
    return { ok: false, error: sourcePosition(err, FILENAME) };
  }
  if (!HANDLER_MENTION.test(source)) {
    return { ok: false, error: { message: 'it defines no handler; expected at least one of onTrack, onIdentify, onPage, onScreen, onGroup, onAlias, onBatch' } };
  }
  return { ok: true };
}

export function sizeProblem(source: string): string | undefined {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > FUNCTION_DEFAULTS.maxSourceBytes) return `the source is ${bytes} bytes, over the limit of ${FUNCTION_DEFAULTS.maxSourceBytes}`;
  if (source.trim() === '') return 'the source is empty';
  return undefined;
}
