import { Environment, Optional } from '@marcbachmann/cel-js';
import type { SegmentEvent } from '../event.ts';
import { TYPE_ALIAS, aliasTypeIdentifier } from './source.ts';

/**
 * The one CEL environment for Destination filters and mappings. Every top-level field of
 * a Segment event is a variable: missing text fields are `null` (so `event == "x"` is
 * simply false on an identify), missing objects are empty maps (so
 * `has(properties.revenue)` is false rather than an error). `message` is the whole event,
 * for fields outside the standard set.
 */
export const EVENT_SCALARS = [
  'messageId',
  'userId',
  'anonymousId',
  'event',
  'name',
  'category',
  'groupId',
  'previousId',
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'receivedAt',
  'channel',
  'version',
] as const;
export const EVENT_OBJECTS = ['properties', 'traits', 'context', 'integrations'] as const;

export const MAX_EXPRESSION_LENGTH = 4096;

export interface CelPosition {
  /** 0-based character offset. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
}

/** An expression that does not parse or type-check; `message` shows where. */
export class CelCompileError extends Error {
  readonly expression: string;
  readonly position: CelPosition | undefined;
  /** What is wrong, without the location. */
  readonly reason: string;

  constructor(expression: string, reason: string, position?: CelPosition, cause?: unknown) {
    super(formatMessage(expression, reason, position), cause === undefined ? undefined : { cause });
    this.name = 'CelCompileError';
    this.expression = expression;
    this.reason = reason;
    this.position = position;
  }
}

export type EventFilter = (event: SegmentEvent) => boolean;
/** Evaluates to a JSON-ready value; `undefined` when the expression yields nothing. */
export type EventExpression = (event: SegmentEvent) => unknown;

type Parsed = ((ctx: Record<string, unknown>) => unknown) & { ast: unknown; check(): { valid: boolean; type?: string; error?: unknown } };

interface Compiled {
  run: Parsed;
  /** Builds the variables for one event: only those the expression reads (the hot path). */
  bind: (event: SegmentEvent) => Record<string, unknown>;
  type: string | undefined;
}

const environment = createEnvironment();

function createEnvironment(): Environment {
  const env = new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
    limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 256, maxCallArguments: 16 },
  });
  env.registerVariable(TYPE_ALIAS, 'dyn');
  for (const v of [...EVENT_SCALARS, ...EVENT_OBJECTS, 'message']) env.registerVariable(v, 'dyn');
  // JSON numbers arrive as doubles while CEL literals are ints: `properties.revenue * 100`
  // must work without the user writing 100.0. (Comparisons across the two already do.)
  const arith: Record<string, (a: number, b: number) => number> = {
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
  };
  for (const [op, fn] of Object.entries(arith)) {
    env.registerOperator(`double ${op} int`, (a: number, b: bigint) => fn(a, Number(b)));
    env.registerOperator(`int ${op} double`, (a: bigint, b: number) => fn(Number(a), b));
  }
  return env;
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
const SCALAR_SET = new Set<string>(EVENT_SCALARS);
const OBJECT_SET = new Set<string>(EVENT_OBJECTS);
const ALL_VARIABLES = [TYPE_ALIAS, 'message', ...EVENT_SCALARS, ...EVENT_OBJECTS];

/** The variables an expression sees for one event (all of them, or the ones named). */
export function activation(event: SegmentEvent, names: readonly string[] = ALL_VARIABLES): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  for (const k of names) {
    if (k === TYPE_ALIAS) ctx[k] = event.type ?? null;
    else if (k === 'message') ctx[k] = event;
    else if (SCALAR_SET.has(k)) ctx[k] = event[k] ?? null;
    else if (OBJECT_SET.has(k)) ctx[k] = event[k] ?? EMPTY;
  }
  return ctx;
}

/** Identifiers the parsed expression refers to, found by walking its AST once. */
function referencedVariables(ast: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown, depth: number): void => {
    if (depth > 200 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n, depth + 1);
      return;
    }
    const { op, args } = node as { op?: unknown; args?: unknown };
    if (typeof op !== 'string') return;
    if (op === 'id' && typeof args === 'string') found.add(args);
    else walk(args, depth + 1);
  };
  walk(ast, 0);
  return ALL_VARIABLES.filter((v) => found.has(v));
}

function binder(names: readonly string[]): (event: SegmentEvent) => Record<string, unknown> {
  return (event) => activation(event, names);
}

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 2048;

function compile(expr: string): Compiled {
  const hit = cache.get(expr);
  if (hit) return hit;
  if (expr.length > MAX_EXPRESSION_LENGTH) {
    throw new CelCompileError(expr, `the expression is ${expr.length} characters long; at most ${MAX_EXPRESSION_LENGTH} are allowed`);
  }
  if (expr.trim() === '') throw new CelCompileError(expr, 'the expression is empty');
  let parsed: Parsed;
  try {
    parsed = environment.parse(aliasTypeIdentifier(expr)) as Parsed;
  } catch (err) {
    throw toCompileError(expr, err);
  }
  const checked = parsed.check();
  if (!checked.valid) throw toCompileError(expr, checked.error);
  const compiled: Compiled = { run: parsed, bind: binder(referencedVariables(parsed.ast)), type: checked.type };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expr, compiled);
  return compiled;
}

/**
 * Compiles a Destination filter once. The returned predicate is true only when the
 * expression evaluates to `true`; an evaluation error (a field absent from this event,
 * a type mismatch) counts as false, as a filter that cannot be satisfied.
 */
export function compileFilter(expr: string): EventFilter {
  const { run, bind, type } = compile(expr);
  if (type !== 'bool' && type !== 'dyn') {
    throw new CelCompileError(expr, `a filter must evaluate to bool, but this expression gives ${type ?? 'an unknown type'}`);
  }
  return (event) => {
    try {
      return run(bind(event)) === true;
    } catch {
      return false;
    }
  };
}

/**
 * Compiles an expression whose value is used as output (mapping values). Evaluation
 * errors such as a missing key yield `undefined` so the caller can omit the field.
 */
export function compileExpression(expr: string): EventExpression {
  const { run, bind } = compile(expr);
  return (event) => {
    try {
      return fromCel(run(bind(event)));
    } catch {
      return undefined;
    }
  };
}

/** Turns a CEL value into plain JSON data: ints become numbers, maps objects, bytes base64. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Optional) return value.hasValue() ? fromCel(value.value()) : undefined;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(fromCel);
  const out: Record<string, unknown> = {};
  const entries = value instanceof Map ? [...(value as Map<unknown, unknown>).entries()] : Object.entries(value);
  for (const [k, v] of entries) {
    const converted = fromCel(v);
    if (converted !== undefined) out[String(k)] = converted;
  }
  return out;
}

function toCompileError(expr: string, err: unknown): CelCompileError {
  const summary = typeof err === 'object' && err !== null && 'summary' in err ? String(err.summary) : String(err);
  const range = typeof err === 'object' && err !== null && 'range' in err ? (err.range as { start?: number } | undefined) : undefined;
  const reason = summary.replaceAll(TYPE_ALIAS, 'type');
  const offset = typeof range?.start === 'number' ? Math.min(range.start, expr.length) : undefined;
  return new CelCompileError(expr, reason, offset === undefined ? undefined : positionOf(expr, offset), err);
}

export function positionOf(expr: string, offset: number): CelPosition {
  const before = expr.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { offset, line, column };
}

function formatMessage(expr: string, reason: string, pos: CelPosition | undefined): string {
  if (!pos) return `compiling CEL expression ${JSON.stringify(clip(expr))}: ${reason}`;
  const lineText = expr.split('\n')[pos.line - 1] ?? '';
  const where = expr.includes('\n') ? `line ${pos.line}, column ${pos.column}` : `column ${pos.column}`;
  return `compiling CEL expression: ${reason} at ${where}\n  ${lineText}\n  ${' '.repeat(pos.column - 1)}^`;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
