import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblems, loadManifests } from '../../manifests/index.ts';
import { destinationWarnings, formatWarning, manifestWarnings } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-plan-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MANIFESTS = `${readFileSync(join(import.meta.dirname, '../../../../test/fixtures/manifests/plan-check/storefront.yaml'), 'utf8')}---
apiVersion: sluice.dev/v1alpha1
kind: Source
metadata: {name: app}
spec:
  writeKeys: [{secretRef: {name: web-key, key: writeKey}}]
---
apiVersion: sluice.dev/v1alpha1
kind: Destination
metadata: {name: ads}
spec:
  sources: [{name: web}]
  type: webhook
  settings: {url: "http://127.0.0.1:9/hook"}
  filter: 'event in ["Order Completed", "Checkout Started"]'
  mapping:
    value: properties.revenue
    currency: 'properties.currency == "usd" ? "USD" : properties.currency'
`;

describe('manifestWarnings', () => {
  it('locates each warning at its Destination, for formatProblems', async () => {
    const file = join(dir, 'all.yaml');
    writeFileSync(file, MANIFESTS);
    const loaded = await loadManifests([file]);
    const warnings = manifestWarnings(loaded);
    expect(warnings.map((w) => ({ ...w, file: w.file.endsWith('all.yaml') }))).toEqual([
      {
        file: true,
        line: 29,
        kind: 'Destination',
        name: 'ads',
        path: 'spec.mapping["value"]',
        message: 'warning: properties.revenue is not defined for event "Checkout Started" in TrackingPlan storefront (column 1 of "properties.revenue")',
      },
      {
        file: true,
        line: 29,
        kind: 'Destination',
        name: 'ads',
        path: 'spec.mapping["currency"]',
        message: 'warning: properties.currency is not defined for event "Checkout Started" in TrackingPlan storefront (column 1 of "properties.currency == \\"usd\\" ? \\"USD\\" : properties.currency")',
      },
    ]);
    expect(formatProblems(warnings, dir)).toContain('all.yaml:29: Destination/ads: spec.mapping["value"]: warning: properties.revenue');
  });
});

describe('destinationWarnings', () => {
  const plan = { name: 'p', spec: { events: [{ name: 'A', properties: { type: 'object', properties: { x: { type: 'string' } } } }] } };
  const source = (name: string, withPlan: boolean) => ({ name, spec: { writeKeys: [] }, writeKeys: [], ...(withPlan ? { plan } : {}) });

  it('checks each plan once, across the sources a destination reads', () => {
    const spec = { sources: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], filter: 'event == "A"', mapping: { y: 'properties.y' } };
    const warnings = destinationWarnings(spec, [source('a', true), source('b', true), source('c', false)]);
    expect(warnings.map(formatWarning)).toEqual(['mapping["y"]: properties.y is not defined for event "A" in TrackingPlan p (column 1)']);
  });

  it('has nothing to say without a plan', () => {
    expect(destinationWarnings({ sources: [{ name: 'c' }], mapping: { y: 'properties.y' } }, [source('c', false)])).toEqual([]);
  });
});
