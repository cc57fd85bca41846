import type { ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>): Promise<number>;
}

/**
 * A command as `sluice --help` lists it. The command itself is loaded only when it runs, so
 * each process holds what its own command needs: the operator no delivery catalogue, an
 * ingest pod no manifest reader.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/** Every CLI command, listed once. */
export const COMMANDS: Record<string, CommandEntry> = {
  run: { name: 'run', summary: 'run sources, plans and destinations in one process on the embedded bus', load: async () => (await import('./run.ts')).runCommand },
  validate: { name: 'validate', summary: 'check manifests the way the cluster and `sluice run` would, for CI', load: async () => (await import('./validate.ts')).validateCommand },
  ingest: { name: 'ingest', summary: 'serve the Segment API for the Sources of a rendered config (a cluster ingest pod)', load: async () => (await import('./ingest.ts')).ingestCommand },
  deliver: { name: 'deliver', summary: 'deliver events from the bus to the Destinations of a rendered config (a cluster delivery pod)', load: async () => (await import('./deliver.ts')).deliverCommand },
  operator: { name: 'operator', summary: 'run the Kubernetes operator: Sources, Destinations and TrackingPlans into ingest and delivery pods', load: async () => (await import('./operator.ts')).operatorCommand },
  preview: { name: 'preview', summary: 'show what a destination would send for events: each step, the mapping, the HTTP requests', load: async () => (await import('./preview.ts')).previewCommand },
  destinations: { name: 'destinations', summary: 'list destination types with their settings and default mappings', load: async () => (await import('./destinations.ts')).destinationsCommand },
};
