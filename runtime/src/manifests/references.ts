import type { Destination, Source, TrackingPlan } from '../../../operator/src/api/index.ts';
import type { PathSegment } from './apiserver/index.ts';
import type { KeyValues } from './core.ts';
import { problemAt, type Declared } from './problems.ts';
import type { Problem } from './types.ts';

/** The valid objects of each kind, plus the names of every declared object (valid or not). */
export interface Catalog {
  sources: Declared<Source>[];
  destinations: Declared<Destination>[];
  plans: Declared<TrackingPlan>[];
  secrets: Declared<KeyValues>[];
  configMaps: Declared<KeyValues>[];
  /** Sources and Destinations with problems of their own, as the API server would have prepared them. */
  invalid: { sources: Declared<unknown>[]; destinations: Declared<unknown>[] };
  /** kind → names declared. A reference to an invalid object is not reported again as missing. */
  declared: Map<string, Set<string>>;
}

interface Ref {
  segments: PathSegment[];
  path: string;
}

/** Where another object is: "line 12" in the same file, "file:12" elsewhere. */
const where = (d: Declared<unknown>, from: Declared<unknown>) => (d.at.file === from.at.file ? `line ${d.at.line}` : `${d.at.file}:${d.at.line}`);

/** The same kind and name twice: kubectl apply would silently keep only the last one. */
export function checkDuplicates(all: readonly Declared<unknown>[]): Problem[] {
  const first = new Map<string, Declared<unknown>>();
  const problems: Problem[] = [];
  for (const d of all) {
    if (!d.name) continue;
    const id = `${d.kind}\u0000${d.namespace ?? ''}\u0000${d.name}`;
    const earlier = first.get(id);
    if (earlier) {
      problems.push(problemAt(d, ['metadata', 'name'], 'metadata.name', `${d.kind} "${d.name}" is also declared at ${where(earlier, d)}; kubectl apply would keep only the last one`));
    } else {
      first.set(id, d);
    }
  }
  return problems;
}

/**
 * References resolve within one namespace; `sluice run` serves one, so every object that
 * names a namespace must name the same (objects without one are taken to be in it).
 */
export function checkNamespaces(all: readonly Declared<unknown>[]): Problem[] {
  const first = all.find((d) => d.namespace);
  if (!first) return [];
  return all
    .filter((d) => d.namespace && d.namespace !== first.namespace)
    .map((d) =>
      problemAt(d, ['metadata', 'namespace'], 'metadata.namespace', `namespace "${d.namespace}" differs from "${first.namespace}" (${where(first, d)}); references resolve within one namespace, so all objects must share it`),
    );
}

/**
 * What the API server cannot check at apply time: that referenced TrackingPlans, Sources,
 * Secrets (and their keys) and ConfigMaps exist, and that no write key selects two Sources.
 * Objects with problems of their own are checked too, wherever their references are
 * well-formed, so one pass lists everything.
 */
export function checkReferences(c: Catalog): Problem[] {
  const problems: Problem[] = [];
  const secrets = byName(c.secrets);
  const configMaps = byName(c.configMaps);
  const declared = (kind: string, name: string) => c.declared.get(kind)?.has(name) ?? false;

  /** The value of a Secret/ConfigMap key; undefined (with a problem) when it cannot be resolved. */
  const lookup = (from: Declared<unknown>, kind: 'Secret' | 'ConfigMap', ref: KeyRef, at: Ref): string | undefined => {
    const store = (kind === 'Secret' ? secrets : configMaps).get(ref.name);
    if (!store) {
      if (!declared(kind, ref.name)) problems.push(problemAt(from, [...at.segments, 'name'], `${at.path}.name`, `${kind} "${ref.name}" not found in the manifests`));
      return undefined;
    }
    if (ref.key === undefined) return undefined;
    const value = store.resource.data.get(ref.key);
    if (value === undefined) {
      const keys = [...store.resource.data.keys()];
      const has = keys.length ? `; it has: ${keys.join(', ')}` : '; it has no keys';
      problems.push(problemAt(from, [...at.segments, 'key'], `${at.path}.key`, `${kind} "${ref.name}" has no key "${ref.key}"${has}`));
    }
    return value;
  };

  const keyOwner = new Map<string, Declared<unknown>>();
  for (const s of [...c.sources, ...c.invalid.sources]) {
    const spec = field(s.resource, 'spec');
    const plan = str(field(field(spec, 'trackingPlanRef'), 'name'));
    if (plan !== undefined && !declared('TrackingPlan', plan)) {
      problems.push(problemAt(s, ['spec', 'trackingPlanRef', 'name'], 'spec.trackingPlanRef.name', `TrackingPlan "${plan}" not found in the manifests`));
    }
    list(field(spec, 'writeKeys')).forEach((w, i) => {
      const ref = keyRef(field(w, 'secretRef'));
      if (!ref) return;
      const path = `spec.writeKeys[${i}]`;
      const value = lookup(s, 'Secret', ref, { segments: ['spec', 'writeKeys', i, 'secretRef'], path: `${path}.secretRef` });
      if (value === undefined) return;
      if (value.length === 0) {
        problems.push(problemAt(s, ['spec', 'writeKeys', i], path, `the write key in Secret "${ref.name}" key "${ref.key ?? ''}" is empty`));
        return;
      }
      const owner = keyOwner.get(value);
      if (!owner) keyOwner.set(value, s);
      else if (owner !== s) {
        problems.push(
          problemAt(s, ['spec', 'writeKeys', i], path, `this write key is also a write key of Source "${owner.name}" (${where(owner, s)}); a write key must select one Source`),
        );
      }
    });
  }

  for (const d of [...c.destinations, ...c.invalid.destinations]) {
    const spec = field(d.resource, 'spec');
    list(field(spec, 'sources')).forEach((ref, i) => {
      const name = str(field(ref, 'name'));
      if (name !== undefined && !declared('Source', name)) {
        problems.push(problemAt(d, ['spec', 'sources', i, 'name'], `spec.sources[${i}].name`, `Source "${name}" not found in the manifests`));
      }
    });
    const credentials = keyRef(field(field(spec, 'credentials'), 'secretRef'));
    if (credentials) lookup(d, 'Secret', credentials, { segments: ['spec', 'credentials', 'secretRef'], path: 'spec.credentials.secretRef' });
    const fn = keyRef(field(field(spec, 'function'), 'configMapRef'));
    if (fn) lookup(d, 'ConfigMap', fn, { segments: ['spec', 'function', 'configMapRef'], path: 'spec.function.configMapRef' });
  }
  return problems;
}

interface KeyRef {
  name: string;
  key?: string;
}

/** Readers that tolerate any shape: objects with problems are checked too. */
function field(v: unknown, name: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function keyRef(v: unknown): KeyRef | undefined {
  const name = str(field(v, 'name'));
  if (name === undefined) return undefined;
  const key = str(field(v, 'key'));
  return key === undefined ? { name } : { name, key };
}

export function byName<T>(list: readonly Declared<T>[]): Map<string, Declared<T>> {
  const map = new Map<string, Declared<T>>();
  for (const d of list) if (!map.has(d.name)) map.set(d.name, d);
  return map;
}
