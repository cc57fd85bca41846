import type { Destination, Source, TrackingPlan } from '../../../operator/src/api/index.ts';
import type { RuntimeConfig } from '../config.ts';

/**
 * One thing wrong with the manifests, located like a compiler error:
 *   examples/x.yaml:12: Source/web: spec.limits.maxEventBytes: Invalid value: 100: …
 * `kind`, `name` and `path` are empty when the problem is with the file itself.
 */
export interface Problem {
  file: string;
  /** 1-based; 0 when the file could not be read. */
  line: number;
  kind: string;
  name: string;
  /** Field path as Kubernetes prints it, e.g. spec.writeKeys[0].secretRef.name. */
  path: string;
  message: string;
}

/** Something worth saying that is not wrong, e.g. a document of a kind Sluice ignores. */
export interface Note {
  file: string;
  line: number;
  kind: string;
  name: string;
  message: string;
}

/** A resource with where it was declared. */
export interface Parsed<T> {
  file: string;
  line: number;
  namespace?: string;
  resource: T;
}

/** A Secret or ConfigMap as far as it is safe to show: its keys, never its values. */
export interface KeysOnly {
  name: string;
  keys: string[];
}

export interface Resources {
  /** As the API server would store them: defaults applied, unknown fields and status dropped. */
  sources: Parsed<Source>[];
  destinations: Parsed<Destination>[];
  trackingPlans: Parsed<TrackingPlan>[];
  secrets: Parsed<KeysOnly>[];
  configMaps: Parsed<KeysOnly>[];
}

export interface LoadResult {
  /**
   * What to run, with defaults applied, secrets resolved, plans attached to sources and
   * function sources to destinations. Only complete when `problems` is empty; otherwise it
   * holds the resources that were valid.
   */
  config: RuntimeConfig;
  /** Every problem found, in file and line order. */
  problems: Problem[];
  notes: Note[];
  resources: Resources;
  /** The manifest files read, in order. */
  files: string[];
}
