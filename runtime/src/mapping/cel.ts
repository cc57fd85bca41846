import { Environment, Optional } from '@marcbachmann/cel-js';
import type { SegmentEvent } from '../event.ts';
import { fieldPath, pathPresent, relaxPresenceChecks, requiredPaths, walk, type CelNode, type FieldPath } from './ast.ts';
import { NoValue, registerLibrary } from './library/index.ts';
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

type Parsed = ((ctx: Record<string, unknown>) => unknown) & { ast: CelNode; check(): { valid: boolean; type?: string; error?: unknown } };

/** A compiled expression with what is known about it statically. */
export interface CelProgram {
  /** The expression as written. */
  readonly expression: string;
  /** The CEL type it evaluates to (`dyn` when it depends on event data). */
  readonly type: string | undefined;
  /** The parsed expression; `type` appears as its internal alias. */
  readonly ast: CelNode;
  /** The event variables it reads. */
  readonly variables: readonly string[];
  /** Fields it cannot do without: when one is missing it yields nothing, without evaluating. */
  readonly required: readonly FieldPath[];
  /** Evaluates on variables built by `activation`; throws when the expression yields nothing. */
  readonly run: (ctx: Record<string, unknown>) => unknown;
  /** Builds the variables for one event: only those the expression reads. */
  readonly bind: (event: SegmentEvent) => Record<string, unknown>;
  /** The first required field the event lacks. */
  readonly missing: (event: SegmentEvent) => FieldPath | undefined;
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
  registerLibrary(env);
  return env;
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
const SCALAR_SET = new Set<string>(EVENT_SCALARS);
const OBJECT_SET = new Set<string>(EVENT_OBJECTS);
const ALL_VARIABLES = [TYPE_ALIAS, 'message', ...EVENT_SCALARS, ...EVENT_OBJECTS];

const VARIABLE_SET: ReadonlySet<string> = new Set(ALL_VARIABLES);

/** The value of one variable for an event. */
export function variableValue(event: SegmentEvent, name: string): unknown {
  if (name === TYPE_ALIAS) return event.type ?? null;
  if (name === 'message') return event;
  if (SCALAR_SET.has(name)) return event[name] ?? null;
  if (OBJECT_SET.has(name)) return event[name] ?? EMPTY;
  return undefined;
}

/** The variables an expression sees for one event (all of them, or the ones named). */
export function activation(event: SegmentEvent, names: readonly string[] = ALL_VARIABLES): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  for (const k of names) {
    const v = variableValue(event, k);
    if (v !== undefined) ctx[k] = v;
  }
  return ctx;
}

/** The event variables the parsed expression refers to. */
function referencedVariables(ast: CelNode): string[] {
  const found = new Set<string>();
  walk(ast, (n) => {
    if (n.op === 'id') found.add(n.args);
  });
  return ALL_VARIABLES.filter((v) => found.has(v));
}

function missingCheck(required: readonly FieldPath[]): (event: SegmentEvent) => FieldPath | undefined {
  if (required.length === 0) return () => undefined;
  return (event) => {
    for (const p of required) if (!pathPresent(variableValue(event, p.root), p.keys)) return p;
    return undefined;
  };
}

/**
 * Runs `f` without capturing stack traces. Evaluation reports "no value" by throwing
 * (CEL's missing keys, the library's NoValue); a stack trace costs more than the whole
 * evaluation and is never shown. Evaluation is synchronous, so nothing else runs meanwhile.
 */
export function quietly<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const cache = new Map<string, CelProgram>();
const CACHE_LIMIT = 2048;

/** Parses and type-checks an expression once; the same text compiles to the same program. */
export function compileProgram(expr: string): CelProgram {
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
  relaxPresenceChecks(parsed.ast);
  const checked = parsed.check();
  if (!checked.valid) throw toCompileError(expr, checked.error);
  const variables = referencedVariables(parsed.ast);
  const required = requiredPaths(parsed.ast, VARIABLE_SET);
  const program: CelProgram = {
    expression: expr,
    type: checked.type,
    ast: parsed.ast,
    variables,
    required,
    run: parsed,
    bind: (event) => activation(event, variables),
    missing: missingCheck(required),
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expr, program);
  return program;
}

/** What an expression made of one event, or why it made nothing. */
export type Evaluation = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Evaluates with an explanation when the expression yields nothing: the missing field,
 * the library's reason, or CEL's error. For previews and status messages, not the hot path.
 */
export function evaluateExplained(program: CelProgram, event: SegmentEvent): Evaluation {
  const missing = program.missing(event);
  if (missing) return { ok: false, reason: `${formatPath(missing)} is missing` };
  let value: unknown;
  try {
    value = quietly(() => program.run(program.bind(event)));
  } catch (err) {
    return { ok: false, reason: describeEvaluationError(err) };
  }
  if (value instanceof Optional && !value.hasValue()) return { ok: false, reason: 'the optional value is empty' };
  const json = fromCel(value);
  if (json === null || json === undefined) return { ok: false, reason: 'the value is null' };
  return { ok: true, value: json };
}

function describeEvaluationError(err: unknown): string {
  if (err instanceof NoValue) return err.message;
  // CEL names only the key; the whole path says more.
  const node = typeof err === 'object' && err !== null && 'code' in err && err.code === 'no_such_key' && 'node' in err ? (err.node as CelNode | undefined) : undefined;
  const path = node && (node.op === '.' || node.op === '[]') ? fieldPath(node) : undefined;
  if (path) return `${formatPath(path)} is missing`;
  const summary = typeof err === 'object' && err !== null && 'summary' in err ? String(err.summary) : err instanceof Error ? err.message : String(err);
  return summary.replaceAll(TYPE_ALIAS, 'type');
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `context.traits.email`, `properties["order id"]`, `properties.items[0]`. */
export function formatPath(p: Pick<FieldPath, 'root' | 'keys'>): string {
  let out = p.root === TYPE_ALIAS ? 'type' : p.root;
  for (const k of p.keys) out += typeof k === 'number' ? `[${k}]` : IDENTIFIER.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  return out;
}

/**
 * Compiles a Destination filter once. The returned predicate is true only when the
 * expression evaluates to `true`; an evaluation error (a field absent from this event,
 * a type mismatch) counts as false, as a filter that cannot be satisfied.
 */
export function compileFilter(expr: string): EventFilter {
  const { run, bind, type, missing } = compileProgram(expr);
  if (type !== 'bool' && type !== 'dyn') {
    throw new CelCompileError(expr, `a filter must evaluate to bool, but this expression gives ${type ?? 'an unknown type'}`);
  }
  return (event) => {
    if (missing(event)) return false;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return run(bind(event)) === true;
    } catch {
      return false;
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}

/**
 * Compiles an expression whose value is used as output (mapping values). Evaluation
 * errors such as a missing key yield `undefined` so the caller can omit the field.
 */
export function compileExpression(expr: string): EventExpression {
  const { run, bind, missing } = compileProgram(expr);
  return (event) => {
    if (missing(event)) return undefined;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return fromCel(run(bind(event)));
    } catch {
      return undefined;
    } finally {
      Error.stackTraceLimit = limit;
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
    if (converted === undefined) continue;
    const key = String(k);
    // JSON.parse makes "__proto__" an ordinary key; assigning it would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: converted, enumerable: true, writable: true, configurable: true });
    else out[key] = converted;
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
