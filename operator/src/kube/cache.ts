import { keyOf } from './keys.ts';
import type { KubeObject } from './types.ts';

/** Maps an object to the values it is filed under, e.g. a Source to the keys of the
 * Secrets it references ("ns/web-key"). */
export type IndexFunc<T> = (obj: T) => string[];

/**
 * The informer's store: objects by "namespace/name", plus secondary indexes kept up to date
 * on every write so lookups like "Sources referencing Secret ns/x" cost one map read.
 */
export class Cache<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, { fn: IndexFunc<T>; byValue: Map<string, Set<string>> }>();

  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexes.has(name)) throw new Error(`adding cache index "${name}": it already exists`);
    const index = { fn, byValue: new Map<string, Set<string>>() };
    this.indexes.set(name, index);
    for (const [key, obj] of this.items) this.file(index, key, obj);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`reading cache index "${name}": no such index`);
    const keys = index.byValue.get(value);
    return keys ? [...keys].map((k) => this.items.get(k)).filter((o): o is T => o !== undefined) : [];
  }

  /** Stores `obj`, returning what it replaced. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unfileAll(key, old);
    this.items.set(key, obj);
    for (const index of this.indexes.values()) this.file(index, key, obj);
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unfileAll(key, old);
    this.items.delete(key);
    return old;
  }

  private file(index: { fn: IndexFunc<T>; byValue: Map<string, Set<string>> }, key: string, obj: T): void {
    for (const v of new Set(index.fn(obj))) {
      let set = index.byValue.get(v);
      if (!set) index.byValue.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unfileAll(key: string, obj: T): void {
    for (const index of this.indexes.values()) {
      for (const v of new Set(index.fn(obj))) {
        const set = index.byValue.get(v);
        set?.delete(key);
        if (set?.size === 0) index.byValue.delete(v);
      }
    }
  }
}

export type Delta<T> = { type: 'add'; obj: T } | { type: 'update'; old: T; obj: T } | { type: 'delete'; obj: T };

/**
 * What a relist changes: objects new to the cache are adds, a different resourceVersion is
 * an update, and cached objects missing from the list were deleted while we were not
 * watching.
 */
export function relistDeltas<T extends KubeObject>(cached: readonly T[], listed: readonly T[]): Delta<T>[] {
  const before = new Map(cached.map((o) => [keyOf(o), o]));
  const out: Delta<T>[] = [];
  for (const obj of listed) {
    const key = keyOf(obj);
    const old = before.get(key);
    before.delete(key);
    if (!old) out.push({ type: 'add', obj });
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion || old.metadata.uid !== obj.metadata.uid) {
      out.push({ type: 'update', old, obj });
    }
  }
  for (const obj of before.values()) out.push({ type: 'delete', obj });
  return out;
}
