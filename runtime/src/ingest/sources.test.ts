import { describe, expect, it } from 'vitest';
import type { CompiledPlan } from '../plan/types.ts';
import { source } from './handler.fixture.ts';
import { buildConfig, DEFAULT_LIMITS, type PlanCompiler } from './sources.ts';

const compile: PlanCompiler = (name) => ({ name, digest: 'd', eventCount: 0, check: (event) => ({ action: 'allow', event, violations: [], omitted: [] }) }) satisfies CompiledPlan;

describe('buildConfig', () => {
  it('applies default limits under the ones a Source sets, and selects Sources by any of their keys', () => {
    const cfg = buildConfig([source('web', ['a', 'b'], { limits: { maxEventBytes: 1000 } }), source('api', ['c'], { limits: { maxBatchBytes: 2_000_000 } })], compile, undefined, 0);
    expect(cfg.sources.get('web')!.limits).toEqual({ ...DEFAULT_LIMITS, maxEventBytes: 1000 });
    expect([cfg.keys.lookup('a')?.name, cfg.keys.lookup('b')?.name, cfg.keys.lookup('c')?.name, cfg.keys.lookup('d')]).toEqual(['web', 'web', 'api', undefined]);
    expect([cfg.maxBatchBytes, cfg.maxEventBytes]).toEqual([2_000_000, DEFAULT_LIMITS.maxEventBytes]);
  });

  it('allows any origin when a Source sets no cors, and unions the origins of all Sources', () => {
    const cfg = buildConfig([source('web', ['a'], { cors: { allowedOrigins: ['https://a.test'] } }), source('api', ['c'])], compile, undefined, 0);
    expect(cfg.sources.get('web')!.origins.allows('https://b.test')).toBe(false);
    expect(cfg.sources.get('api')!.origins.allows('https://b.test')).toBe(true);
    expect(cfg.origins.allows('https://b.test')).toBe(true);
  });

  it('keeps counts and an unchanged rate limiter across reloads, and lists planned names', () => {
    const first = buildConfig([source('web', ['a'], { limits: { requestsPerSecond: 5 } })], compile, undefined, 0);
    first.sources.get('web')!.stats.received = 7;
    const plan = { name: 'p', spec: { events: [{ name: 'Order Completed' }] } };
    const second = buildConfig([source('web', ['a'], { limits: { requestsPerSecond: 5 } }, plan)], compile, first, 10);
    expect(second.sources.get('web')!.stats.received).toBe(7);
    expect(second.sources.get('web')!.bucket).toBe(first.sources.get('web')!.bucket);
    expect([...second.sources.get('web')!.planned]).toEqual(['Order Completed']);
    const third = buildConfig([source('web', ['a'], { limits: { requestsPerSecond: 6 } })], compile, second, 20);
    expect(third.sources.get('web')!.bucket).not.toBe(first.sources.get('web')!.bucket);
    expect(buildConfig([source('web', ['a'])], compile, third, 30).sources.get('web')!.bucket).toBeUndefined();
  });

  it('refuses a write key shared by two Sources and says which plan failed to compile', () => {
    expect(() => buildConfig([source('a', ['k']), source('b', ['k'])], compile, undefined, 0)).toThrow(/"a" and "b" share a write key/);
    const failing: PlanCompiler = () => {
      throw new Error('bad schema');
    };
    expect(() => buildConfig([source('web', ['k'], {}, { name: 'p', spec: {} })], failing, undefined, 0)).toThrow(
      /compiling tracking plan "p" for Source "web": bad schema/,
    );
  });
});
