import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DESTINATION_TYPES } from './destination.ts';
import { BANNER, CRDS_DIR, driftedFiles, renderCrds } from './generate.ts';
import type { CustomResourceDefinition } from './crd.ts';

const GENERATOR = fileURLToPath(new URL('./generate.ts', import.meta.url));

describe('crds/', () => {
  it('matches the API definition (run `make crds` after changing operator/src/api)', () => {
    expect(driftedFiles()).toEqual([]);
  });

  it('holds one banner-headed CRD per kind', () => {
    const files = renderCrds();
    expect([...files.keys()].sort()).toEqual(['sluice.dev_destinations.yaml', 'sluice.dev_sources.yaml', 'sluice.dev_trackingplans.yaml']);
    for (const text of files.values()) expect(text.startsWith(`${BANNER}\n`)).toBe(true);
  });

  const crd = (plural: string) => parse(renderCrds().get(`sluice.dev_${plural}.yaml`)!) as CustomResourceDefinition;

  it.each([
    { plural: 'sources', kind: 'Source', short: 'src', columns: ['Ready', 'Reason', 'Received', 'Blocked', 'Endpoint', 'Age'] },
    { plural: 'destinations', kind: 'Destination', short: 'dst', columns: ['Type', 'Ready', 'Reason', 'Lag', 'Delivered', 'Dead-Lettered', 'Age'] },
    { plural: 'trackingplans', kind: 'TrackingPlan', short: 'tp', columns: ['Ready', 'Reason', 'Events', 'Violations', 'Age'] },
  ])('$kind: group, served storage version, status subresource, names and printer columns', ({ plural, kind, short, columns }) => {
    const c = crd(plural);
    expect(c.metadata.name).toBe(`${plural}.sluice.dev`);
    expect(c.spec.group).toBe('sluice.dev');
    expect(c.spec.scope).toBe('Namespaced');
    expect(c.spec.names).toMatchObject({ kind, plural, shortNames: [short], categories: ['sluice'] });
    expect(c.spec.versions).toHaveLength(1);
    const v = c.spec.versions[0]!;
    expect(v).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(v.additionalPrinterColumns.map((p) => p.name)).toEqual(columns);
    expect(v.additionalPrinterColumns.find((p) => p.name === 'Ready')?.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].status');
    expect(v.schema.openAPIV3Schema.required).toEqual(['spec']);
  });

  it('lists exactly the destination types the runtime implements', () => {
    expect(crd('destinations').spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!.properties!.type!.enum).toEqual([...DESTINATION_TYPES]);
  });
});

describe('generate.ts CLI', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [GENERATOR, ...args], (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }));
    });

  it('--check exits 0 on the committed crds/', async () => {
    expect(await run(['--check'])).toEqual({ code: 0, stderr: '' });
  });

  it('driftedFiles names a changed and a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-crds-'));
    dirs.push(dir);
    cpSync(CRDS_DIR, dir, { recursive: true });
    expect(driftedFiles(dir)).toEqual([]);
    const sources = join(dir, 'sluice.dev_sources.yaml');
    writeFileSync(sources, readFileSync(sources, 'utf8').replace('shortNames:', 'shortNames: # edited'));
    rmSync(join(dir, 'sluice.dev_trackingplans.yaml'));
    expect(driftedFiles(dir)).toEqual([sources, join(dir, 'sluice.dev_trackingplans.yaml')]);
  });

  it('refuses unknown arguments with usage', async () => {
    const r = await run(['--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage:');
  });
});
