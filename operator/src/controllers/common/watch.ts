import type { Informer, KubeObject, WatchSource } from '../../kube/index.ts';

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
