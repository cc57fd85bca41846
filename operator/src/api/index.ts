export * from './common.ts';
export * from './tracking-plan.ts';
export * from './source.ts';
export * from './destination.ts';
export * from './kinds.ts';
export * from './crd.ts';
