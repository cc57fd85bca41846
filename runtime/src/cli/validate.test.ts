import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'sluice-validate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The plan, a Source using it and its write key.
const PLAN_AND_SOURCE = readFileSync(join(import.meta.dirname, '../../../test/fixtures/manifests/plan-check/storefront.yaml'), 'utf8');

const destination = (filter: string, mapping: Record<string, string>) => `apiVersion: sluice.dev/v1alpha1
kind: Destination
metadata: {name: ads}
spec:
  sources: [{name: web}]
  type: webhook
  settings: {url: "http://127.0.0.1:9/hook"}
  filter: ${JSON.stringify(filter)}
  mapping:
${Object.entries(mapping)
  .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
  .join('\n')}
`;

function project(name: string, dest: string): string {
  const d = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(d, 'source.yaml'), PLAN_AND_SOURCE);
  writeFileSync(join(d, 'ads.yaml'), dest);
  return d;
}

function validate(path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'validate', '-f', path], { cwd: path, timeout: 20_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('sluice validate against the tracking plan', () => {
  it('prints each warning with file, Destination, field, expression and event, and still exits 0', async () => {
    const d = project('warn', destination('event in ["Order Completed", "Checkout Started"]', { value: 'properties.revenue', paid: 'properties.revenue > "10"' }));
    const r = await validate(d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      'ads.yaml:1: Destination/ads: spec.mapping["value"]: warning: properties.revenue is not defined for event "Checkout Started" in TrackingPlan storefront (column 1 of "properties.revenue")',
      'ads.yaml:1: Destination/ads: spec.mapping["paid"]: warning: properties.revenue is compared with the string "10", but TrackingPlan storefront allows number for event "Order Completed" (column 1 of "properties.revenue > \\"10\\"")',
      'ads.yaml:1: Destination/ads: spec.mapping["paid"]: warning: properties.revenue is not defined for event "Checkout Started" in TrackingPlan storefront (column 1 of "properties.revenue > \\"10\\"")',
    ]);
    expect(r.stdout).toBe('ok: 1 source(s), 1 destination(s), 1 tracking plan(s) in use; 3 warnings\n');
  }, 30_000);

  it('says nothing more when the mapping fits the plan', async () => {
    const d = project('clean', destination('event == "Order Completed"', { value: 'properties.revenue', currency: 'properties.currency' }));
    const r = await validate(d);
    expect(r).toEqual({ code: 0, stdout: 'ok: 1 source(s), 1 destination(s), 1 tracking plan(s) in use\n', stderr: '' });
  }, 30_000);

  it('still fails on errors, listing the warnings too', async () => {
    const d = project('broken', destination('event == "Checkout Started"', { value: 'properties.revenue', bad: 'lower(' }));
    const r = await validate(d);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('warning: properties.revenue is not defined for event "Checkout Started"');
    expect(r.stderr).toMatch(/1 problem found\n$/);
  }, 30_000);
});
