import { keyOf, type Informer, type KubeObject, type WatchSource } from '../../kube/index.ts';

/**
 * Like the kube layer's watch(), for referenced objects: an update wakes the referencing
 * objects only when `changed` says it matters to them (a TrackingPlan's spec, not its
 * status), and periodic resyncs are left to the primary kind's own informer. Without this a
 * plan's status write would wake every Source using it.
 */
export function watchReferences<T extends KubeObject>(informer: Informer<T>, map: (obj: T) => string[], changed: (old: T, obj: T) => boolean): WatchSource {
  return {
    name: `${informer.name} (references)`,
    start: () => informer.start(),
    hasSynced: () => informer.hasSynced(),
    waitForSync: (signal) => informer.waitForSync(signal),
    subscribe: (enqueue) => {
      const each = (obj: T) => {
        for (const k of map(obj)) enqueue(k);
      };
      return informer.addHandlers({
        onAdd: each,
        onUpdate: (old, obj) => {
          if (old === obj || !changed(old, obj)) return;
          each(old);
          each(obj);
        },
        onDelete: each,
      });
    },
  };
}

export const specChanged = (old: KubeObject, obj: KubeObject): boolean => old.metadata.generation !== obj.metadata.generation;
export const never = (): boolean => false;

/**
 * The primary kind: every add, delete and periodic resync, and the updates that change what
 * its reconcile acts on. Status writes (the operator's own, the runtime's counts) wake no
 * one: each cost a reconcile that found nothing to do, and they arrive faster than anything
 * else under load.
 */
export function watchPrimary<T extends KubeObject>(informer: Informer<T>): WatchSource {
  return {
    name: informer.name,
    start: () => informer.start(),
    hasSynced: () => informer.hasSynced(),
    waitForSync: (signal) => informer.waitForSync(signal),
    subscribe: (enqueue) =>
      informer.addHandlers({
        onAdd: (obj) => enqueue(keyOf(obj)),
        onUpdate: (old, obj) => {
          if (old === obj || beyondStatus(old, obj)) enqueue(keyOf(obj));
        },
        onDelete: (obj) => enqueue(keyOf(obj)),
      }),
  };
}

/** A change beyond status: spec (generation), deletion, finalizers, labels or annotations, or a new object under the name. */
export function beyondStatus(old: KubeObject, obj: KubeObject): boolean {
  const a = old.metadata;
  const b = obj.metadata;
  return (
    a.uid !== b.uid ||
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !sameJson(a.finalizers, b.finalizers) ||
    !sameJson(a.labels, b.labels) ||
    !sameJson(a.annotations, b.annotations)
  );
}

const sameJson = (x: unknown, y: unknown): boolean => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
