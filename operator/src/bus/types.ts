import type { DestinationSpec, SourceSpec } from '../api/index.ts';
import type { BusJanitor } from '../controllers/common/cleanup.ts';

/**
 * The operator's side of the bus: what a Source or Destination needs there, created before
 * any runtime pod asks for it and removed when the resource is deleted (BusJanitor).
 * Bus names are the namespace and the resource name, as the runtime pods of that namespace
 * name them: Sources of the same name in two namespaces never share a stream.
 */
export interface BusProvisioner extends BusJanitor {
  /** The Source's event and quarantine streams, retention as spec.retention. */
  ensureSource(namespace: string, name: string, spec: SourceSpec): Promise<void>;
  /**
   * The dead-letter stream and a durable consumer per listed source (`sources`: those that
   * exist); consumers of sources no longer listed are removed. Resolves with the sources
   * whose stream is not there yet.
   *
   * startFrom applies when a consumer is created: it starts at the first event stored at
   * or after that time (`now`: only new events). A consumer that exists keeps its position,
   * so changing startFrom later does not rewind a Destination; to read history again,
   * remove the source from the Destination (its consumer goes) and add it back.
   */
  ensureDestination(namespace: string, name: string, spec: DestinationSpec, sources: readonly string[]): Promise<{ missingSources: string[] }>;
  close(): Promise<void>;
}

/** Why provisioning failed: the reason for the Ready condition. */
export type BusProblem = 'BusUnavailable' | 'BusError';

/** Provisioning failed; retried with backoff, never terminal. The message carries no credentials. */
export class BusProvisionError extends Error {
  readonly reason: BusProblem;

  constructor(reason: BusProblem, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'BusProvisionError';
    this.reason = reason;
  }
}

/** How one reconcile's provisioning went. */
export type BusOutcome =
  | { state: 'off' }
  | { state: 'ok'; missingSources?: string[] }
  | { state: 'failed'; reason: BusProblem; message: string };
