import { keyOf, type KubeObject } from '../../kube/index.ts';

/**
 * Read-your-writes over an informer cache. A reconcile that patched an object (finalizer,
 * status) and runs again before the watch delivers that write would otherwise start from
 * the version it already replaced, and its next status write would fail with 409 Conflict.
 * The object a write returned stands in for the cached one while the cache still shows a
 * version that write superseded; as soon as the cache shows anything else, the cache wins.
 */
export class Fresh<T extends KubeObject> {
  private readonly memo = new Map<string, { object: T; superseded: Set<string> }>();

  latest(cached: T): T {
    const key = keyOf(cached);
    const m = this.memo.get(key);
    if (!m) return cached;
    if (cached.metadata.resourceVersion !== undefined && m.superseded.has(cached.metadata.resourceVersion)) return m.object;
    this.memo.delete(key);
    return cached;
  }

  /** Remembers that writing to `before` produced `after`. */
  wrote(before: T, after: T): T {
    if (before === after || before.metadata.resourceVersion === after.metadata.resourceVersion) return after;
    const key = keyOf(after);
    const m = this.memo.get(key);
    const superseded = m && m.object.metadata.resourceVersion === before.metadata.resourceVersion ? m.superseded : new Set<string>();
    if (before.metadata.resourceVersion) superseded.add(before.metadata.resourceVersion);
    this.memo.set(key, { object: after, superseded });
    return after;
  }

  forget(key: string): void {
    this.memo.delete(key);
  }

  get size(): number {
    return this.memo.size;
  }
}
