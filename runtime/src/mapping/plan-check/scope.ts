import { fieldPath, type CelNode } from '../ast.ts';
import { TYPE_ALIAS } from '../source.ts';

/**
 * Which events an expression (or part of one) is evaluated for, as far as the text
 * shows: `event == "A"`, `event in [...]` and `type == "track"` narrow it, `&&`, `||`
 * and `!` combine. `null` means "not narrowed"; `not` lists what is ruled out.
 */
export interface Scope {
  readonly names: ReadonlySet<string> | null;
  readonly notNames: ReadonlySet<string>;
  readonly types: ReadonlySet<string> | null;
  readonly notTypes: ReadonlySet<string>;
}

export const EVERY_EVENT: Scope = { names: null, notNames: new Set(), types: null, notTypes: new Set() };

/** The event field a comparison tests, when it is `event` or `type` (or `message.event`, `message.type`). */
function subjectOf(n: CelNode): 'names' | 'types' | undefined {
  const p = n.op === 'id' ? { root: n.args, keys: [] as Array<string | number> } : fieldPath(n);
  if (!p) return undefined;
  const [first, ...rest] = p.root === 'message' ? p.keys : [p.root, ...p.keys];
  if (rest.length > 0) return undefined;
  if (first === 'event') return 'names';
  if (first === TYPE_ALIAS || (p.root === 'message' && first === 'type')) return 'types';
  return undefined;
}

function stringLiteral(n: CelNode): string | undefined {
  return n.op === 'value' && typeof n.args === 'string' ? n.args : undefined;
}

function stringList(n: CelNode): string[] | undefined {
  if (n.op !== 'list') return undefined;
  const out: string[] = [];
  for (const item of n.args) {
    const s = stringLiteral(item);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

/** What `field == one of values` (or its negation) tells, in the scope's terms. */
function restrict(scope: Scope, subject: 'names' | 'types', values: readonly string[], positive: boolean): Scope {
  const notKey = subject === 'names' ? 'notNames' : 'notTypes';
  const current = scope[subject];
  if (positive) {
    const allowed = values.filter((v) => !scope[notKey].has(v) && (current === null || current.has(v)));
    return { ...scope, [subject]: new Set(allowed) };
  }
  if (current !== null) return { ...scope, [subject]: new Set([...current].filter((v) => !values.includes(v))) };
  return { ...scope, [notKey]: new Set([...scope[notKey], ...values]) };
}

function union(a: Scope, b: Scope): Scope {
  const join = (x: ReadonlySet<string> | null, y: ReadonlySet<string> | null) => (x === null || y === null ? null : new Set([...x, ...y]));
  const meet = (x: ReadonlySet<string>, y: ReadonlySet<string>) => new Set([...x].filter((v) => y.has(v)));
  return { names: join(a.names, b.names), notNames: meet(a.notNames, b.notNames), types: join(a.types, b.types), notTypes: meet(a.notTypes, b.notTypes) };
}

/** The scope in which `condition` is true (positive) or false (negative). */
export function narrow(condition: CelNode, scope: Scope, positive = true, depth = 0): Scope {
  if (depth > 64) return scope;
  const next = depth + 1;
  switch (condition.op) {
    case '!_':
      return narrow(condition.args, scope, !positive, next);
    case '&&':
      return positive ? narrow(condition.args[1], narrow(condition.args[0], scope, true, next), true, next) : union(narrow(condition.args[0], scope, false, next), narrow(condition.args[1], scope, false, next));
    case '||':
      return positive ? union(narrow(condition.args[0], scope, true, next), narrow(condition.args[1], scope, true, next)) : narrow(condition.args[1], narrow(condition.args[0], scope, false, next), false, next);
    case '==':
    case '!=': {
      const [l, r] = condition.args;
      const eq = condition.op === '==' ? positive : !positive;
      for (const [field, lit] of [[l, r], [r, l]] as const) {
        const subject = subjectOf(field);
        const value = stringLiteral(lit);
        if (subject && value !== undefined) return restrict(scope, subject, [value], eq);
      }
      return scope;
    }
    case 'in': {
      const [l, r] = condition.args;
      const subject = subjectOf(l);
      const values = stringList(r);
      return subject && values ? restrict(scope, subject, values, positive) : scope;
    }
    default:
      return scope;
  }
}

/** Event names the scope compares against, with the node that names each (for unplanned-name warnings). */
export function namedEvents(condition: CelNode): Array<{ name: string; node: CelNode }> {
  const out: Array<{ name: string; node: CelNode }> = [];
  const visit = (n: CelNode, depth: number): void => {
    if (depth > 64) return;
    if (n.op === '==' || n.op === '!=') {
      const [l, r] = n.args;
      for (const [field, lit] of [[l, r], [r, l]] as const) {
        const value = stringLiteral(lit);
        if (subjectOf(field) === 'names' && value !== undefined) out.push({ name: value, node: lit });
      }
    } else if (n.op === 'in' && subjectOf(n.args[0]) === 'names' && n.args[1].op === 'list') {
      for (const item of n.args[1].args) {
        const value = stringLiteral(item);
        if (value !== undefined) out.push({ name: value, node: item });
      }
    }
    if (n.op === '&&' || n.op === '||' || n.op === '?:') for (const c of n.args) visit(c, depth + 1);
    else if (n.op === '!_') visit(n.args, depth + 1);
  };
  visit(condition, 0);
  return out;
}
