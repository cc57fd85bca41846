import type { DestinationSpec, SourceSpec, TrackingPlanSpec } from '../../operator/src/api/index.ts';

/**
 * What a runtime process (ingest, deliver, or `sluice run`) works from: the resources it
 * serves with defaults applied and secrets already resolved. `sluice run` builds it from
 * local manifests; in a cluster the operator renders it into a ConfigMap plus Secret mounts.
 */
export interface RuntimeConfig {
  sources: SourceRuntime[];
  destinations: DestinationRuntime[];
}

export interface SourceRuntime {
  name: string;
  spec: SourceSpec;
  /** Resolved write keys (several during rotation). */
  writeKeys: string[];
  plan?: { name: string; spec: TrackingPlanSpec };
}

export interface DestinationRuntime {
  name: string;
  spec: DestinationSpec;
  /** Keys of the credentials Secret. */
  credentials: Record<string, string>;
  /** Source of the sandboxed function, when spec.function is set. */
  functionSource?: string;
}
