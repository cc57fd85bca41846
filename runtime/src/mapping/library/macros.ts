import { Optional } from '@marcbachmann/cel-js';
import { pathPresent, requiredPaths, type CelNode, type FieldPath } from '../ast.ts';
import { NoValue, type LibraryFunction } from './args.ts';

/**
 * `coalesce` and `default` are macros, not functions: a function's arguments are all
 * evaluated first, so one missing field would fail the call before it could fall back.
 * A macro evaluates each argument itself and moves on when one yields nothing.
 */
export const MAX_COALESCE_ARGUMENTS = 8;

/** The parts of cel-js's evaluator a macro uses. */
interface Evaluator {
  run(node: CelNode, ctx: unknown): unknown;
}
interface Checker {
  check(node: CelNode, ctx: unknown): unknown;
  getType(name: string): unknown;
}
interface Macro {
  args: CelNode[];
  /** Per argument: fields whose absence means it yields nothing, checked before evaluating it. */
  required: FieldPath[][];
  empty: (v: unknown) => boolean;
  fn: string;
}

const isNull = (v: unknown) => v === null || v === undefined;
/** "Empty" for coalesce: null, "", [] and {}. */
const isEmpty = (v: unknown) =>
  isNull(v) || v === '' || (Array.isArray(v) && v.length === 0) || (v instanceof Map ? v.size === 0 : isPlainObject(v) && Object.keys(v).length === 0);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function expander(fn: string, empty: (v: unknown) => boolean) {
  return ({ args }: { args: CelNode[] }) => ({
    args,
    fn,
    empty,
    required: [] as FieldPath[][],
    typeCheck(checker: Checker, macro: Macro, ctx: unknown) {
      for (const a of macro.args) checker.check(a, ctx);
      // Iteration variables of enclosing macros are roots too, so every identifier counts.
      macro.required = macro.args.map((a) => requiredPaths(a, 'any'));
      return checker.getType('dyn');
    },
    evaluate(ev: Evaluator, macro: Macro, ctx: unknown) {
      for (let i = 0; i < macro.args.length; i++) {
        const v = attempt(ev, macro, i, ctx);
        if (!macro.empty(v)) return v;
      }
      throw new NoValue(macro.fn, 'no argument has a value');
    },
  });
}

function attempt(ev: Evaluator, macro: Macro, i: number, ctx: unknown): unknown {
  const node = macro.args[i]!;
  try {
    for (const p of macro.required[i] ?? []) {
      if (!pathPresent(ev.run(rootNode(p.node), ctx), p.keys)) return undefined;
    }
    const v = ev.run(node, ctx);
    if (v instanceof Optional) return v.hasValue() ? (v.value() as unknown) : undefined;
    return v;
  } catch {
    return undefined;
  }
}

/** The identifier a field path starts from. */
function rootNode(n: CelNode): CelNode {
  let cur = n;
  while (cur.op === '.' || cur.op === '[]') cur = cur.args[0];
  return cur;
}

const coalesce = expander('coalesce', isEmpty);
const fallback = expander('default', isNull);

export const MACROS: LibraryFunction[] = [
  {
    name: 'coalesce',
    overloads: Array.from({ length: MAX_COALESCE_ARGUMENTS - 1 }, (_, i) => [`coalesce(${Array(i + 2).fill('ast').join(', ')}): dyn`, coalesce] as const),
    usage: 'coalesce(a, b, …)',
    description: `The first argument that has a value: not missing, null, "", [] or {} (2 to ${MAX_COALESCE_ARGUMENTS} arguments).`,
    example: 'coalesce(context.traits.email, traits.email, properties.email)',
  },
  {
    name: 'default',
    overloads: [['default(ast, ast): dyn', fallback]],
    usage: 'default(x, fallback)',
    description: 'x, or fallback when x is missing or null.',
    example: 'default(properties.currency, "USD")',
  },
];
