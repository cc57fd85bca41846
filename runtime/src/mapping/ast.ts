import type { ASTNode } from '@marcbachmann/cel-js';
import { isObject } from '../event.ts';

export type CelNode = ASTNode;

/** A field read with literal keys from a variable: `context.traits.email`, `properties["order id"]`, `properties.items[0]`. */
export interface FieldPath {
  root: string;
  keys: ReadonlyArray<string | number>;
  node: CelNode;
}

/** Macros: their arguments are evaluated lazily (or per element), so a missing field there is not fatal. */
const LAZY_CALLS = new Set(['has', 'coalesce', 'default']);
const LAZY_METHODS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'bind']);

/** The chain of literal selections and indexes under `node`, when it is rooted at an identifier. */
export function fieldPath(node: CelNode): FieldPath | undefined {
  const keys: Array<string | number> = [];
  let n: CelNode = node;
  for (let depth = 0; depth < 256; depth++) {
    if (n.op === 'id') return { root: n.args, keys: keys.reverse(), node };
    if (n.op === '.') {
      keys.push(n.args[1]);
      n = n.args[0];
    } else if (n.op === '[]') {
      const index = n.args[1];
      if (index.op !== 'value') return undefined;
      const v = index.args;
      if (typeof v === 'string') keys.push(v);
      else if (typeof v === 'bigint' && v >= 0n && v < 2n ** 31n) keys.push(Number(v));
      else return undefined;
      n = n.args[0];
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Field paths whose absence makes the whole expression fail. An expression fails when a
 * field it reads strictly is missing; reads under `&&`, `||`, the branches of `?:`,
 * macros (`has`, `coalesce`, `default`, `exists`, …) and after an optional selection
 * (`.?`) may be skipped, so they are not listed. Checking these paths first gives the
 * same answer as evaluating, without the cost of a thrown error.
 */
export function requiredPaths(ast: CelNode, roots: ReadonlySet<string> | 'any'): FieldPath[] {
  const out: FieldPath[] = [];
  const seen = new Set<string>();
  const visit = (n: CelNode, depth: number): void => {
    if (depth > 128) return;
    const next = depth + 1;
    switch (n.op) {
      case 'value':
      case 'id':
      case '&&':
      case '||':
        return;
      case '.':
      case '[]': {
        const p = fieldPath(n);
        if (p) {
          if ((roots === 'any' || roots.has(p.root)) && p.keys.length > 0) {
            const id = `${p.root}\u0000${p.keys.join('\u0000')}`;
            if (!seen.has(id)) {
              seen.add(id);
              out.push(p);
            }
          }
          return;
        }
        visit(n.args[0], next);
        if (n.op === '[]') visit(n.args[1], next);
        return;
      }
      case '.?':
        visit(n.args[0], next);
        return;
      case '[?]':
        visit(n.args[0], next);
        visit(n.args[1], next);
        return;
      case '?:':
        visit(n.args[0], next);
        return;
      case 'call':
        if (LAZY_CALLS.has(n.args[0])) return;
        for (const a of n.args[1]) visit(a, next);
        return;
      case 'rcall':
        visit(n.args[1], next);
        if (LAZY_METHODS.has(n.args[0])) return;
        for (const a of n.args[2]) visit(a, next);
        return;
      case 'list':
        for (const a of n.args) visit(a, next);
        return;
      case 'map':
        for (const [k, v] of n.args) {
          visit(k, next);
          visit(v, next);
        }
        return;
      case '!_':
      case '-_':
        visit(n.args, next);
        return;
      default:
        // Binary operators: ==, <, +, in, …
        visit(n.args[0], next);
        visit(n.args[1], next);
    }
  };
  visit(ast, 0);
  return out;
}

/** True when every key of the path exists, starting from `value` (the root variable's value). */
export function pathPresent(value: unknown, keys: ReadonlyArray<string | number>): boolean {
  let cur = value;
  for (const k of keys) {
    if (typeof k === 'number') {
      if (!Array.isArray(cur) || k >= cur.length) return false;
      cur = cur[k] as unknown;
    } else {
      if (!isObject(cur) || !Object.hasOwn(cur, k)) return false;
      cur = cur[k];
    }
  }
  return true;
}

/**
 * CEL's `has(a.b.c)` fails when `a.b` itself is missing. Event data is ragged (context
 * may have no traits at all), so presence checks here answer false instead: the inner
 * selections of each `has()` argument are marked optional, which the macro treats as
 * "stop and answer false". Done once, after parsing and before type checking.
 */
export function relaxPresenceChecks(ast: CelNode): void {
  walk(ast, (n) => {
    if (n.op !== 'call' || n.args[0] !== 'has') return;
    const arg = n.args[1][0];
    if (arg?.op !== '.') return;
    let inner = arg.args[0];
    while (inner.op === '.') {
      (inner as { op: string }).op = '.?';
      inner = inner.args[0];
    }
  });
}

/** Calls `visit` on every node, parents first. */
export function walk(ast: CelNode, visit: (n: CelNode, depth: number) => void): void {
  const go = (n: CelNode, depth: number): void => {
    if (depth > 256) return;
    visit(n, depth);
    for (const c of children(n)) go(c, depth + 1);
  };
  go(ast, 0);
}

export function children(n: CelNode): CelNode[] {
  switch (n.op) {
    case 'value':
    case 'id':
      return [];
    case '.':
    case '.?':
      return [n.args[0]];
    case 'call':
      return n.args[1];
    case 'rcall':
      return [n.args[1], ...n.args[2]];
    case 'list':
      return n.args;
    case 'map':
      return n.args.flat();
    case '!_':
    case '-_':
      return [n.args];
    default:
      return [...n.args];
  }
}
