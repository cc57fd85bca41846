export * from './ports.ts';
export * from './wait.ts';
export * from './http.ts';
export * from './manifests.ts';
export * from './receiver.ts';
export * from './sluice.ts';
export * from './status.ts';
export * from './segment.ts';
