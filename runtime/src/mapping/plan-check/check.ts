import type { TrackingPlanSpec } from '../../../../operator/src/api/index.ts';
import { PAGE_EVENT, SCREEN_EVENT } from '../../plan/index.ts';
import { children, type CelNode } from '../ast.ts';
import { CelCompileError, compileProgram, formatPath, positionOf, type CelPosition } from '../cel.ts';
import { lookup, admits, type LiteralKind, type Lookup } from './schema.ts';
import { EVERY_EVENT, namedEvents, narrow, type Scope } from './scope.ts';

export type MappingWarningKind = 'unplanned-event' | 'undefined-property' | 'type-mismatch';

/** Something a Destination's filter or mapping does that its TrackingPlan says cannot work. Not an error: events still flow. */
export interface MappingWarning {
  /** The spec field: `filter` or `mapping["custom_data.value"]`. */
  field: string;
  expression: string;
  position: CelPosition;
  kind: MappingWarningKind;
  plan: string;
  /** The event the warning is about, when it is about one. */
  event?: string;
  message: string;
}

export interface PlanRef {
  name: string;
  spec: TrackingPlanSpec;
}

/** What the check reads of a Destination: the filter and its own mapping (not the type's defaults). */
export interface MappingSpec {
  filter?: string | undefined;
  mapping?: Record<string, string> | undefined;
}

const PROPERTY_CARRIERS = new Set(['track', 'page', 'screen']);
const TRAIT_CARRIERS = ['identify', 'group'] as const;

/** What a read is checked against: a planned event's properties, or the traits of identify or group calls. */
interface Target {
  /** The plan event, for properties. */
  event?: string;
  /** "event \"Order Completed\"" or "identify calls". */
  label: string;
  schema: unknown;
}
const MAX_WARNINGS = 100;

/**
 * Static analysis of a Destination's CEL against a TrackingPlan: `properties.X` read for
 * events (those the filter narrows to, or every planned event) whose schema does not
 * define X, and `traits.X` that the plan's identify or group traits do not define;
 * comparisons with a literal the schema rules out; event names the plan does not have.
 * Expressions that do not compile are skipped (they are errors reported elsewhere).
 */
export function checkMappingAgainstPlan(spec: MappingSpec, plan: PlanRef): MappingWarning[] {
  const ctx = new Checker(plan);
  let scope = EVERY_EVENT;
  const filter = spec.filter === undefined ? undefined : tryCompile(spec.filter);
  if (filter) {
    ctx.check('filter', spec.filter!, filter, EVERY_EVENT);
    scope = narrow(filter, EVERY_EVENT);
  }
  for (const [key, expr] of Object.entries(spec.mapping ?? {})) {
    const ast = tryCompile(expr);
    if (ast) ctx.check(`mapping[${JSON.stringify(key)}]`, expr, ast, scope);
  }
  return ctx.warnings.slice(0, MAX_WARNINGS);
}

function tryCompile(expr: string): CelNode | undefined {
  try {
    return compileProgram(expr).ast;
  } catch (err) {
    if (err instanceof CelCompileError) return undefined;
    throw err;
  }
}

interface Site {
  field: string;
  expression: string;
}

class Checker {
  readonly warnings: MappingWarning[] = [];
  readonly #plan: PlanRef;
  readonly #events: Map<string, unknown>;
  readonly #seen = new Set<string>();

  constructor(plan: PlanRef) {
    this.#plan = plan;
    this.#events = new Map((plan.spec.events ?? []).map((e) => [e.name, e.properties]));
  }

  check(field: string, expression: string, ast: CelNode, scope: Scope): void {
    const site = { field, expression };
    if (this.#events.size > 0) {
      for (const { name, node } of namedEvents(ast)) {
        if (this.#events.has(name)) continue;
        const blocked = this.#plan.spec.unplannedEvents === 'block' ? '; the plan blocks unplanned events, so none arrive' : '';
        this.#warn(site, node, 'unplanned-event', name, `event ${JSON.stringify(name)} is not in TrackingPlan ${this.#plan.name}${blocked}`);
      }
    }
    this.#visit(site, ast, scope, 0);
  }

  #visit(site: Site, n: CelNode, scope: Scope, depth: number): void {
    if (depth > 128) return;
    const next = depth + 1;
    switch (n.op) {
      case '&&':
        this.#visit(site, n.args[0], scope, next);
        this.#visit(site, n.args[1], narrow(n.args[0], scope, true), next);
        return;
      case '||':
        this.#visit(site, n.args[0], scope, next);
        this.#visit(site, n.args[1], narrow(n.args[0], scope, false), next);
        return;
      case '?:':
        this.#visit(site, n.args[0], scope, next);
        this.#visit(site, n.args[1], narrow(n.args[0], scope, true), next);
        this.#visit(site, n.args[2], narrow(n.args[0], scope, false), next);
        return;
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        this.#comparison(site, n.args[0], [n.args[1]], scope);
        this.#comparison(site, n.args[1], [n.args[0]], scope);
        break;
      case 'in':
        if (n.args[1].op === 'list') this.#comparison(site, n.args[0], n.args[1].args, scope);
        break;
    }
    const chain = propertyChain(n);
    if (chain) {
      this.#reference(site, chain, scope);
      for (const index of chain.indexes) this.#visit(site, index, scope, next);
      return;
    }
    for (const c of children(n)) this.#visit(site, c, scope, next);
  }

  /** A read of properties.<keys> or traits.<keys>: warn where what is in scope does not define it. */
  #reference(site: Site, chain: PropertyChain, scope: Scope): void {
    const { targets, specific } = this.#targets(chain.root, scope);
    const found = targets.map((t) => ({ target: t, result: lookup(t.schema, chain.keys) }));
    const missing = found.filter((f): f is { target: Target; result: Extract<Lookup, { status: 'undefined' }> } => f.result.status === 'undefined');
    const policy = this.#plan.spec.unplannedProperties;
    const note = policy === 'omit' ? `; the plan omits unplanned ${chain.root} before delivery` : policy === 'block' ? '; the plan blocks events that carry it' : '';
    if (specific) {
      for (const m of missing) {
        const path = chain.display(m.result.at + 1);
        this.#warn(site, chain.node, 'undefined-property', m.target.event, `${path} is not defined for ${m.target.label} in TrackingPlan ${this.#plan.name}${note}`);
      }
    } else if (missing.length > 0 && missing.length === found.length) {
      const at = Math.max(...missing.map((m) => m.result.at));
      const any = chain.root === 'properties' ? 'any event' : targets.map((t) => t.label).join(' or ');
      this.#warn(site, chain.node, 'undefined-property', undefined, `${chain.display(at + 1)} is not defined for ${any} in TrackingPlan ${this.#plan.name}${note}`);
    }
  }

  /** `properties.x <op> literal` (or `in [literals]`): warn when the plan's schema rules the literal out. */
  #comparison(site: Site, subject: CelNode, others: readonly CelNode[], scope: Scope): void {
    const chain = propertyChain(subject);
    if (!chain) return;
    const literals = others.map(literalOf).filter((l): l is Literal => l !== undefined);
    if (literals.length === 0 || literals.length !== others.length) return;
    const { targets, specific } = this.#targets(chain.root, scope);
    const defined = targets.flatMap((target) => {
      const r = lookup(target.schema, chain.keys);
      return r.status === 'defined' ? [{ target, schemas: r.schemas }] : [];
    });
    const rejected = defined.map((d) => ({ ...d, verdicts: literals.map((l) => admits(d.schemas, l.kind, l.value)) })).filter((d) => d.verdicts.every((v) => !v.ok));
    if (rejected.length === 0 || (!specific && rejected.length !== defined.length)) return;
    const what = literals.length === 1 ? describeLiteral(literals[0]!) : `only ${literals.map(describeLiteral).join(', ')}`;
    for (const r of specific ? rejected : rejected.slice(0, 1)) {
      const allowed = r.verdicts.map((v) => (v.ok ? '' : v.allowed)).find(Boolean) ?? '';
      const target = specific ? `for ${r.target.label}` : chain.root === 'properties' ? 'for every event that has it' : `for ${defined.map((d) => d.target.label).join(' and ')}`;
      this.#warn(site, chain.node, 'type-mismatch', specific ? r.target.event : undefined, `${chain.display()} is compared with ${what}, but TrackingPlan ${this.#plan.name} allows ${allowed} ${target}`);
    }
  }

  /** What a read of `root` is checked against in a scope; `specific` when the expression names the events or call types. */
  #targets(root: 'properties' | 'traits', scope: Scope): { targets: Target[]; specific: boolean } {
    if (root === 'properties') {
      const { events, specific } = this.#candidates(scope);
      return { targets: events.map((name) => ({ event: name, label: `event ${JSON.stringify(name)}`, schema: this.#events.get(name) })), specific };
    }
    const types = TRAIT_CARRIERS.filter((t) => (scope.types === null || scope.types.has(t)) && !scope.notTypes.has(t));
    // Traits the plan leaves unplanned say nothing; only planned call types are checked.
    const planned = types.flatMap((t) => {
      const schema = this.#plan.spec[t]?.traits;
      return schema === undefined ? [] : [{ label: `${t} calls`, schema }];
    });
    const specific = scope.types !== null;
    // Unnarrowed, a call type without a traits schema could be where the trait comes from.
    if (!specific && planned.length < TRAIT_CARRIERS.length) return { targets: [], specific };
    return { targets: planned, specific };
  }

  /** The planned events a scope covers; `specific` when the expression names them. */
  #candidates(scope: Scope): { events: string[]; specific: boolean } {
    const types = scope.types === null ? null : [...scope.types].filter((t) => PROPERTY_CARRIERS.has(t) && !scope.notTypes.has(t));
    if (types !== null && types.length === 0) return { events: [], specific: true };
    if (scope.types === null && [...PROPERTY_CARRIERS].every((t) => scope.notTypes.has(t))) return { events: [], specific: true };
    if (scope.names !== null) return { events: [...scope.names].filter((n) => this.#events.has(n)), specific: true };
    if (types !== null && !types.includes('track')) {
      const named = types.map((t) => (t === 'page' ? PAGE_EVENT : SCREEN_EVENT)).filter((n) => this.#events.has(n));
      return { events: named, specific: true };
    }
    return { events: [...this.#events.keys()].filter((n) => !scope.notNames.has(n)), specific: false };
  }

  #warn(site: Site, node: CelNode, kind: MappingWarningKind, event: string | undefined, message: string): void {
    const id = `${site.field}\u0000${kind}\u0000${message}`;
    if (this.#seen.has(id) || this.warnings.length >= MAX_WARNINGS) return;
    this.#seen.add(id);
    this.warnings.push({ ...site, position: positionOf(site.expression, node.start), kind, plan: this.#plan.name, ...(event !== undefined ? { event } : {}), message });
  }
}

interface PropertyChain {
  root: 'properties' | 'traits';
  node: CelNode;
  keys: Array<string | number>;
  /** Non-literal index expressions inside the chain, still to be checked. */
  indexes: CelNode[];
  /** The path as written, up to `count` keys below properties. */
  display(count?: number): string;
}

/** `properties.a.b`, `properties.?a`, `properties["a"][0]`, `message.properties.a`, `traits.a`: the keys below properties or traits. */
function propertyChain(node: CelNode): PropertyChain | undefined {
  const keys: Array<string | number> = [];
  const indexes: CelNode[] = [];
  let n = node;
  for (let depth = 0; depth < 64; depth++) {
    if (n.op === '.' || n.op === '.?') {
      keys.push(n.args[1]);
      n = n.args[0];
    } else if (n.op === '[]' || n.op === '[?]') {
      const index = n.args[1];
      if (index.op === 'value' && (typeof index.args === 'string' || typeof index.args === 'bigint')) {
        keys.push(typeof index.args === 'bigint' ? Number(index.args) : index.args);
      } else {
        // A computed index ends what can be known statically: keep only the part before it.
        keys.length = 0;
        indexes.push(index);
      }
      n = n.args[0];
    } else {
      break;
    }
  }
  if (n.op !== 'id') return undefined;
  keys.reverse();
  let root: string[];
  if (n.args === 'properties' || n.args === 'traits') root = [n.args];
  else if (n.args === 'message' && (keys[0] === 'properties' || keys[0] === 'traits')) root = ['message', ...(keys.splice(0, 1) as string[])];
  else return undefined;
  if (keys.length === 0) return undefined;
  return {
    root: root[root.length - 1] as 'properties' | 'traits',
    node,
    keys,
    indexes,
    display: (count = keys.length) => formatPath({ root: root[0]!, keys: [...root.slice(1), ...keys.slice(0, count)] }),
  };
}

interface Literal {
  kind: LiteralKind;
  value: unknown;
}

function literalOf(n: CelNode): Literal | undefined {
  if (n.op !== 'value') return undefined;
  const v = n.args;
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'bigint') return { kind: 'integer', value: Number(v) };
  if (typeof v === 'number') return { kind: 'number', value: v };
  if (typeof v === 'boolean') return { kind: 'boolean', value: v };
  return undefined;
}

function describeLiteral(l: Literal): string {
  return l.kind === 'string' ? `the string ${JSON.stringify(l.value)}` : `the ${l.kind === 'boolean' ? 'bool' : 'number'} ${String(l.value)}`;
}
