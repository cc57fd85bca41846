import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../event.ts';
import { EMPTY_PAYLOAD_REASON } from '../../delivery/transform.ts';
import { loadPreviewTarget, previewEvents, PreviewSetupError, readEvents, type PreviewTarget } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-preview-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const targets: PreviewTarget[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) {
    t.compiled.transform.dispose?.();
    await t.compiled.client.close?.();
  }
});

const SECRET = 's3cr3t-token-value';
const files = {
  secret: `apiVersion: v1\nkind: Secret\nmetadata: {name: hook-secrets}\nstringData: {token: ${SECRET}}\n`,
  source: `apiVersion: v1
kind: Secret
metadata: {name: web-key}
stringData: {writeKey: k1}
---
apiVersion: sluice.dev/v1alpha1
kind: TrackingPlan
metadata: {name: storefront}
spec:
  onViolation: block
  events:
    - name: Order Completed
      properties: {type: object, required: [revenue], properties: {revenue: {type: number}}}
---
apiVersion: sluice.dev/v1alpha1
kind: Source
metadata: {name: web}
spec:
  trackingPlanRef: {name: storefront}
  writeKeys: [{secretRef: {name: web-key}}]
`,
  hook: (extra = '', name = 'hook') => `apiVersion: sluice.dev/v1alpha1
kind: Destination
metadata: {name: ${name}}
spec:
  sources: [{name: web}]
  type: webhook
  settings:
    url: http://127.0.0.1:9/hook
    headersFromSecret: {Authorization: token}
  credentials: {secretRef: {name: hook-secrets}}
  consent: {categories: [advertising]}
  filter: 'type == "track" && properties.revenue > 10'
${extra}`,
};
const MAPPING = `  mapping:\n    value: properties.revenue\n    email: sha256(lower(context.traits.email))\n`;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function target(paths: string[], destination?: string): Promise<PreviewTarget> {
  const t = await loadPreviewTarget(paths, destination ? { destination } : {});
  targets.push(t);
  return t;
}

const order = (fields: Partial<SegmentEvent> = {}): SegmentEvent =>
  readEvents(JSON.stringify({ type: 'track', event: 'Order Completed', userId: 'u1', properties: { revenue: 42.5 }, context: { traits: { email: 'Ada@Example.com' } }, ...fields }), 'test').events[0]!;

describe('a preview of a Destination with its Secret, Source and plan', () => {
  const paths = () => [write('secret.yaml', files.secret), write('source.yaml', files.source), write('hook.yaml', files.hook(MAPPING))];

  it('walks an event through every step to the request, the secret masked', async () => {
    const t = await target(paths());
    const plan = t.plans.get('web');
    expect(plan?.name).toBe('storefront');
    const report = await previewEvents(t, [{ event: order(), plan: plan! }]);
    const [r] = report.results;
    expect(r?.steps.map((s) => `${s.passed ? 'pass' : 'DROP'} ${s.step}`)).toEqual(['pass plan', 'pass integrations', 'pass consent', 'pass filter', 'pass mapping', 'pass request']);
    expect(r?.droppedAt).toBeUndefined();
    expect(r?.payload).toEqual({ value: 42.5, email: 'b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72' });
    expect(r?.requests).toHaveLength(1);
    expect(r?.requests?.[0]).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:9/hook', headers: { Authorization: '***' } });
    expect(JSON.parse(r!.requests![0]!.body)).toEqual(r?.payload);
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(t.compiled.secrets).toContain(SECRET);
  });

  it.each<[string, Partial<SegmentEvent>, string, RegExp]>([
    ['the plan blocks it', { properties: { revenue: 'lots' } }, 'plan', /TrackingPlan storefront blocks it at ingest: properties\.revenue/],
    ['integrations turn it off', { integrations: { hook: false } }, 'integrations', /integrations\["hook"\] is false/],
    ['integrations turn everything off', { integrations: { All: false } }, 'integrations', /integrations\.All is false and neither "hook" nor "Webhook" is turned on/],
    ['consent is not granted', { context: { consent: { categoryPreferences: { advertising: false } } } }, 'consent', /consent not granted for advertising/],
    ['the filter is false', { properties: { revenue: 5 } }, 'filter', /the filter is false for this event/],
  ])('says which step drops it when %s', async (_name, fields, step, detail) => {
    const t = await target(paths());
    const [r] = (await previewEvents(t, [{ event: order(fields), plan: t.plans.get('web')! }])).results;
    expect(r?.droppedAt).toBe(step);
    expect(r?.steps.at(-1)?.detail).toMatch(detail);
    expect(r?.requests).toBeUndefined();
  });

  it('explains a filter that yields no value', async () => {
    const t = await target(paths());
    const [r] = (await previewEvents(t, [{ event: order({ properties: {} }) }])).results;
    expect(r?.droppedAt).toBe('filter');
    expect(r?.steps.at(-1)?.detail).toBe('the filter yields no value for this event (properties.revenue is missing), which counts as false');
  });

  it('shows quarantined events as if replayed', async () => {
    const t = await target(paths());
    const [r] = (await previewEvents(t, [{ event: order(), quarantined: [{ kind: 'type', type: 'Invalid Type', field: 'properties.revenue', description: 'must be number' }] }])).results;
    expect(r?.steps[0]).toEqual({ step: 'plan', passed: true, detail: expect.stringContaining('quarantined by the tracking plan (properties.revenue: must be number)') as unknown });
    expect(r?.droppedAt).toBeUndefined();
  });

  it('drops at mapping an event for which no field has a value', async () => {
    const t = await target([write('secret.yaml', files.secret), write('hook.yaml', files.hook('  mapping:\n    email: traits.email\n'))]);
    const [r] = (await previewEvents(t, [{ event: order() }])).results;
    expect(r?.droppedAt).toBe('mapping');
    expect(r?.steps.at(-1)?.detail).toBe(EMPTY_PAYLOAD_REASON);
    expect(r?.fields).toEqual([{ key: 'email', expression: 'traits.email', omitted: 'traits.email is missing' }]);
  });

  it('runs the function, then the mapping over what it returns, and says which one drops', async () => {
    const fn = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fn}\ndata:\n  index.js: |\n    function onTrack(event) { if (event.properties.revenue > 50) return null; event.properties.revenue *= 2; return event; }\n`;
    const withFn = files.hook(`${MAPPING}  function: {configMapRef: {name: fn, key: index.js}}\n`);
    const t = await target([write('secret.yaml', files.secret), write('fn.yaml', fn), write('hook.yaml', withFn)]);
    const report = await previewEvents(t, [{ event: order() }, { event: order({ properties: { revenue: 99 } }) }]);
    const [doubled, dropped] = report.results;
    expect(doubled?.steps.map((s) => s.step)).toEqual(['integrations', 'consent', 'filter', 'function', 'mapping', 'request']);
    expect(doubled?.payload).toEqual({ value: 85, email: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    expect(dropped?.droppedAt).toBe('function');
  });

  it('shows the requests events make together when the destination batches', async () => {
    const batching = files.hook(MAPPING).replace('    url: http://127.0.0.1:9/hook\n', '    url: http://127.0.0.1:9/hook\n    batch: true\n');
    const t = await target([write('secret.yaml', files.secret), write('hook.yaml', batching)]);
    const report = await previewEvents(t, [{ event: order() }, { event: order({ properties: { revenue: 1 } }) }, { event: order({ properties: { revenue: 99 } }) }]);
    expect(report.results.map((r) => r.droppedAt ?? 'sent')).toEqual(['sent', 'filter', 'sent']);
    expect(report.batched).toHaveLength(1);
    expect(report.batched?.[0]?.messageIds).toEqual([report.results[0]!.messageId, report.results[2]!.messageId]);
    expect(JSON.parse(report.batched![0]!.body)).toEqual({ batch: [report.results[0]!.payload, report.results[2]!.payload] });
  });
});

describe('loadPreviewTarget', () => {
  it('needs only the Destination: placeholders for the Secret, no plan without the Source', async () => {
    const t = await target([write('hook.yaml', files.hook(MAPPING))]);
    expect(t.notes).toEqual([
      'Secret "hook-secrets" is not in the manifests: placeholders such as <hook-secrets/key> stand in for its values',
      'Source "web" is not in the manifests: its tracking plan, if any, is not applied',
    ]);
    expect(t.plans.size).toBe(0);
    const [r] = (await previewEvents(t, [{ event: order() }])).results;
    expect(r?.requests?.[0]?.headers.Authorization).toBe('<hook-secrets/token>');
  });

  it('asks which Destination when the manifests hold several', async () => {
    const paths = [write('two.yaml', `${files.hook()}---\n${files.hook('', 'other')}`)];
    await expect(loadPreviewTarget(paths)).rejects.toThrow('the manifests hold 2 Destinations (hook, other); choose one with --destination');
    await expect(loadPreviewTarget(paths, { destination: 'nope' })).rejects.toThrow('no Destination "nope" in the manifests; found: hook, other');
    expect((await target(paths, 'other')).runtime.name).toBe('other');
  });

  it('says why a Destination would not run, with the mapping key and position', async () => {
    const err = await loadPreviewTarget([write('secret.yaml', files.secret), write('bad.yaml', files.hook('  mapping:\n    email: sha256(trait.email)\n'))]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreviewSetupError);
    expect((err as Error).message).toContain('previewing Destination "hook": it would not run');
    expect((err as Error).message).toContain('Unknown variable: trait');
  });

  it('refuses manifests without a valid Destination', async () => {
    await expect(loadPreviewTarget([write('source-only.yaml', files.source)])).rejects.toThrow(/no valid Destination/);
    const invalid = files.hook().replace('type: webhook', 'type: carrier-pigeon');
    await expect(loadPreviewTarget([write('invalid.yaml', invalid)])).rejects.toThrow(/carrier-pigeon/);
  });
});
