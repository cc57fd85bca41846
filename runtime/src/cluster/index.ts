// The cluster runtime: the rendered-config contract between the operator and the runtime
// pods, and the `sluice ingest` / `sluice deliver` processes.
export * from './rendered.ts';
export { resolveRendered, mountedSecrets, type SecretFiles } from './resolve.ts';
export { parseBusUrl, openBus, BusUrlError, type BusTarget } from './bus-url.ts';
export { loadConfig, ConfigWatcher, type LoadedConfig } from './reload.ts';
export { startRuntimeProcess, jsonLog, type RuntimeProcess, type RuntimeProcessOptions, type RuntimeLog } from './process.ts';
export { startIngestProcess, type IngestProcessOptions } from './ingest.ts';
export { startDeliverProcess } from './deliver.ts';
