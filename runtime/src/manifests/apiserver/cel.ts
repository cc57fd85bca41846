import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { JSONSchemaProps } from '../../../../operator/src/api/crd.ts';
import { fieldError, FieldPath, type FieldError } from './field-error.ts';
import { isObject } from './structural.ts';

type Rule = NonNullable<JSONSchemaProps['x-kubernetes-validations']>[number];

/**
 * The CEL environment x-kubernetes-validations rules run in. cel-js already has what the
 * Kubernetes library adds on top of standard CEL for Sluice's rules: string matches(),
 * size(), the all/exists/exists_one macros, duration() — celEnv.test.ts pins their
 * Kubernetes semantics. A rule that needs another Kubernetes function registers it here.
 */
export function kubernetesCelEnvironment(): Environment {
  return new Environment({
    // Kubernetes compiles rules with homogeneous aggregate literals, as this default does.
    homogeneousAggregateLiterals: true,
    limits: { maxAstNodes: 10_000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
  })
    .registerVariable('self', 'dyn')
    .registerVariable('oldSelf', 'dyn');
}

interface CompiledRule {
  rule: Rule;
  program: ParseResult;
  messageProgram?: ParseResult;
  /** Transition rules compare with the stored object; on create there is none, so they are skipped. */
  usesOldSelf: boolean;
}

/** The rules of a schema, arranged like it; subtrees without rules are left out. */
export interface RuleTree {
  type: string;
  rules: CompiledRule[];
  properties: Map<string, RuleTree>;
  items?: RuleTree;
  additionalProperties?: RuleTree;
  /** The schema of this node, for converting values to CEL (integers become int). */
  schema: JSONSchemaProps;
}

export class RuleCompileError extends Error {
  constructor(path: string, rule: string, cause: unknown) {
    super(`compiling the CEL rule at ${path || '(root)'} "${rule}": ${(cause as Error).message}`, { cause });
    this.name = 'RuleCompileError';
  }
}

/** Compiles every rule once; throws when one does not parse (the CRD would not be accepted either). */
export function compileRules(schema: JSONSchemaProps, env: Environment = kubernetesCelEnvironment(), path = ''): RuleTree | undefined {
  const rules = (schema['x-kubernetes-validations'] ?? []).map((rule): CompiledRule => {
    const parse = (expr: string) => {
      try {
        return env.parse(expr);
      } catch (err) {
        throw new RuleCompileError(path, expr, err);
      }
    };
    const program = parse(rule.rule);
    const messageProgram = rule.messageExpression ? parse(rule.messageExpression) : undefined;
    return { rule, program, messageProgram, usesOldSelf: mentions(program.ast, 'oldSelf') };
  });
  const properties = new Map<string, RuleTree>();
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    const tree = compileRules(sub, env, path ? `${path}.${name}` : name);
    if (tree) properties.set(name, tree);
  }
  const items = schema.items ? compileRules(schema.items, env, `${path}[]`) : undefined;
  const additionalProperties = schema.additionalProperties ? compileRules(schema.additionalProperties, env, `${path}[*]`) : undefined;
  if (rules.length === 0 && properties.size === 0 && !items && !additionalProperties) return undefined;
  return { type: schema.type ?? '', rules, properties, items, additionalProperties, schema };
}

function mentions(ast: unknown, identifier: string): boolean {
  if (Array.isArray(ast)) return ast.some((a) => mentions(a, identifier));
  if (!isObject(ast)) return false;
  if (ast.op === 'id' && ast.args === identifier) return true;
  return mentions(ast.args, identifier);
}

/**
 * Evaluates every rule against the object, walking it like the API server's CEL validator:
 * `self` is the value at the rule's node, null values are not validated, failures carry the
 * rule's message at the node's path (or the rule's fieldPath).
 */
export function validateRules(tree: RuleTree | undefined, value: unknown, path: FieldPath = FieldPath.root()): FieldError[] {
  if (!tree || value === null || value === undefined) return [];
  const errors = evaluate(tree, value, path);
  if (Array.isArray(value)) {
    if (tree.items) value.forEach((v, i) => errors.push(...validateRules(tree.items, v, path.index(i))));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const sub = tree.properties.get(k);
      if (sub) errors.push(...validateRules(sub, v, path.child(k)));
      else if (tree.additionalProperties) errors.push(...validateRules(tree.additionalProperties, v, path.key(k)));
    }
  }
  return errors;
}

function evaluate(tree: RuleTree, value: unknown, path: FieldPath): FieldError[] {
  if (tree.rules.length === 0) return [];
  const errors: FieldError[] = [];
  const self = toCel(value, tree.schema);
  for (const { rule, program, messageProgram, usesOldSelf } of tree.rules) {
    if (usesOldSelf) continue;
    let result: unknown;
    try {
      result = program({ self });
    } catch (err) {
      errors.push(fieldError.invalid(path, tree.type, `${errorSummary(err)} evaluating rule: ${ruleErrorString(rule)}`));
      continue;
    }
    if (result === true) continue;
    const at = rule.fieldPath ? childPath(path, rule.fieldPath) : path;
    const message = messageFor(rule, messageProgram, self);
    switch (rule.reason) {
      case 'FieldValueForbidden':
        errors.push(fieldError.forbidden(at, message));
        break;
      case 'FieldValueRequired':
        errors.push(fieldError.required(at, message));
        break;
      case 'FieldValueDuplicate':
        errors.push(fieldError.duplicate(at, tree.type));
        break;
      default:
        errors.push(fieldError.invalid(at, tree.type, message));
    }
  }
  return errors;
}

function messageFor(rule: Rule, messageProgram: ParseResult | undefined, self: unknown): string {
  if (messageProgram) {
    try {
      const text: unknown = messageProgram({ self });
      if (typeof text === 'string' && text.trim() && !text.includes('\n')) return text.trim();
    } catch {
      // The API server falls back to the static message when messageExpression fails.
    }
  }
  return rule.message?.trim() ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
}

function ruleErrorString(rule: Rule): string {
  return rule.message?.trim() ? rule.message.trim() : rule.rule.trim();
}

function errorSummary(err: unknown): string {
  const e = err as { summary?: string; message?: string };
  return e.summary ?? e.message ?? String(err);
}

/** A rule's fieldPath (".spec.limits", ".a.b") relative to the node it sits on. */
function childPath(path: FieldPath, fieldPath: string): FieldPath {
  let p = path;
  for (const part of fieldPath.replace(/^\./, '').split('.')) if (part) p = p.child(part);
  return p;
}

/**
 * JSON → CEL values: integer fields (and whole numbers where the schema is open) become
 * int (BigInt), as the API server's unstructured values are int64.
 */
export function toCel(value: unknown, schema: JSONSchemaProps | undefined): unknown {
  if (typeof value === 'number') {
    if (schema?.type === 'integer') return BigInt(value);
    if (schema?.type === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, schema?.properties?.[k] ?? schema?.additionalProperties);
    return out;
  }
  return value;
}
