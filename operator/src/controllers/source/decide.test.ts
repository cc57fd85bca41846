import { describe, expect, it } from 'vitest';
import type { Source } from '../../api/index.ts';
import { parseRendered } from '../../../../runtime/src/cluster/rendered.ts';
import { decideSource, type PlanRef, type SecretInfo } from './decide.ts';

const source = (spec: Partial<Source['spec']> = {}): Source => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Source',
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', generation: 1 },
  spec: { writeKeys: [{ secretRef: { name: 'web-key', key: 'writeKey' } }], trackingPlanRef: { name: 'store' }, ...spec },
});
const plan: PlanRef = { state: 'ok', name: 'store', spec: { events: [{ name: 'Order Completed' }] } };
const secrets = (entries: Record<string, SecretInfo> = { 'web-key': { keys: ['writeKey'], resourceVersion: '7' } }) => new Map(Object.entries(entries));

describe('decideSource', () => {
  it.each([
    ['a missing plan', { plan: { state: 'missing', name: 'store' } as PlanRef }, 'TrackingPlanNotFound', 'TrackingPlan store not found'],
    ['a plan that does not compile', { plan: { state: 'invalid', name: 'store', message: 'events[0]: bad' } as PlanRef }, 'TrackingPlanInvalid', 'TrackingPlan store does not compile: events[0]: bad'],
    ['a missing Secret', { secrets: secrets({}) }, 'SecretNotFound', 'Secret web-key not found'],
    ['a missing key', { secrets: secrets({ 'web-key': { keys: ['other'], resourceVersion: '1' } }) }, 'SecretNotFound', 'Secret web-key has no key writeKey'],
    [
      'everything missing at once',
      { plan: { state: 'missing', name: 'store' } as PlanRef, secrets: secrets({}) },
      'TrackingPlanNotFound',
      'TrackingPlan store not found; Secret web-key not found',
    ],
  ])('waits on %s, naming it', (_what, over, reason, message) => {
    const d = decideSource({ source: source(), plan, secrets: secrets(), ...over });
    expect(d).toEqual({ kind: 'wait', summary: { state: 'progressing', reason, message } });
  });

  it('renders the config with the plan and the Secret references (never values), and a digest of config and Secret versions', () => {
    const d = decideSource({ source: source({ writeKeys: [{ secretRef: { name: 'web-key', key: 'writeKey' } }, { secretRef: { name: 'old-key' } }] }), plan, secrets: secrets({ 'web-key': { keys: ['writeKey'], resourceVersion: '7' }, 'old-key': { keys: ['writeKey'], resourceVersion: '3' } }) });
    if (d.kind !== 'deploy') throw new Error(`expected deploy, got ${d.kind}`);
    const rendered = parseRendered(d.config);
    expect(rendered).toMatchObject({ namespace: 'shop', sources: [{ name: 'web', plan: { name: 'store' }, writeKeys: [{ secret: 'web-key', key: 'writeKey' }, { secret: 'old-key', key: 'writeKey' }] }] });
    expect(d.secrets).toEqual(['old-key', 'web-key']);

    const rotated = decideSource({ source: source({ writeKeys: [{ secretRef: { name: 'web-key', key: 'writeKey' } }, { secretRef: { name: 'old-key' } }] }), plan, secrets: secrets({ 'web-key': { keys: ['writeKey'], resourceVersion: '8' }, 'old-key': { keys: ['writeKey'], resourceVersion: '3' } }) });
    expect(rotated.kind === 'deploy' && rotated.config).toBe(d.config);
    expect(rotated.kind === 'deploy' && rotated.digest).not.toBe(d.digest);
  });

  it('renders without a plan when none is referenced', () => {
    const d = decideSource({ source: source({ trackingPlanRef: undefined }), plan: { state: 'none' }, secrets: secrets() });
    expect(d.kind === 'deploy' && parseRendered(d.config).sources[0]?.plan).toBeUndefined();
  });

  it('is Stalled when the rendered config cannot fit a ConfigMap', () => {
    const huge: PlanRef = { state: 'ok', name: 'store', spec: { events: Array.from({ length: 2000 }, (_, i) => ({ name: `Event ${i}`, description: 'x'.repeat(500) })) } };
    const d = decideSource({ source: source(), plan: huge, secrets: secrets() });
    expect(d.kind).toBe('stalled');
    expect(d.kind === 'stalled' && d.summary.reason).toBe('ConfigTooLarge');
  });
});
