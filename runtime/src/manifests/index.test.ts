import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectations, fixture, fixtureFiles } from '../../../test/fixtures/manifests/index.ts';
import { formatProblems, loadManifests, type Problem } from './index.ts';

describe('loadManifests on a valid set', async () => {
  const result = await loadManifests([fixture('valid')]);

  it('finds no problem, and notes the kind it ignores', () => {
    expect(result.problems).toEqual([]);
    expect(result.notes).toEqual([
      {
        file: fixture('valid/other/deployment.yaml'),
        line: 2,
        kind: 'Deployment',
        name: 'receiver',
        message: 'ignored: Sluice reads sluice.dev/v1alpha1 Source, Destination, TrackingPlan and v1 Secret, ConfigMap',
      },
    ]);
  });

  it('resolves write keys (rotation included) and attaches the plan, with defaults applied', () => {
    const [web, backend] = result.config.sources;
    expect(web?.name).toBe('web');
    expect(web?.writeKeys).toEqual(['new-web-key', 'old-web-key']);
    expect(web?.plan?.name).toBe('storefront');
    expect(web?.plan?.spec).toMatchObject({ unplannedEvents: 'allow', unplannedProperties: 'omit', onViolation: 'block' });
    expect(web?.spec.limits).toEqual({ maxEventBytes: 65536, maxBatchBytes: 512000, maxBatchEvents: 2500, requestsPerSecond: 0 });
    expect(web?.spec).toMatchObject({ onInvalid: 'reject', retention: '72h', silenceAfter: '15m', replicas: 2 });
    expect(backend).toMatchObject({ name: 'backend', writeKeys: ['backend-key'] });
    expect(backend?.plan).toBeUndefined();
    expect(backend?.spec.cors).toEqual({ allowedOrigins: ['*'] });
  });

  it('resolves credentials and function sources for destinations', () => {
    const byName = new Map(result.config.destinations.map((d) => [d.name, d]));
    expect(byName.get('hook')?.credentials).toEqual({ token: 'Bearer s3cr3t', hmac: 'signing-key' });
    expect(byName.get('hook')?.spec.delivery).toEqual({ batchSize: 50, maxInFlight: 8, timeout: '10s', maxAge: '4h', backoff: { initial: '500ms', max: '5m' } });
    expect(byName.get('archive')?.functionSource).toBe('function onTrack(event) { return event; }\n');
    expect(byName.get('archive')?.credentials).toEqual({});
  });

  it('returns the parsed resources, Secrets without their values', () => {
    const r = result.resources;
    expect(r.sources.map((s) => [s.resource.metadata.name, basename(s.file), s.line])).toEqual([
      ['web', 'sources.yaml', 1],
      ['backend', 'sources.yaml', 17],
    ]);
    expect(r.destinations.map((d) => d.resource.metadata.name)).toEqual(['archive', 'hook']);
    expect(r.trackingPlans.map((p) => p.resource.spec.events?.length)).toEqual([2]);
    expect(r.secrets.map((s) => s.resource)).toEqual([
      { name: 'web-write-key', keys: ['previous', 'writeKey'] },
      { name: 'backend-write-key', keys: ['writeKey'] },
      { name: 'hook-credentials', keys: ['token', 'hmac'] },
    ]);
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
    expect(r.configMaps.map((c) => c.resource)).toEqual([{ name: 'enrich', keys: ['index.js'] }]);
  });
});

/** What formatProblems prints, without the file name: "12: Source/web: spec.x: message". */
function lines(problems: Problem[], file: string): string[] {
  return formatProblems(problems, dirname(file))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(basename(file).length + 1));
}

describe('loadManifests reports what only the whole set shows', () => {
  it.each(fixtureFiles('references').map((file) => ({ name: basename(file), file })))('$name', async ({ file }) => {
    const result = await loadManifests([file]);
    const { exact, prefixes, notes } = expectations(file);
    expect(exact.length + prefixes.length).toBeGreaterThan(0);
    const got = lines(result.problems, file);
    if (prefixes.length > 0) {
      // Every pinned place is reported, and nothing elsewhere.
      for (const prefix of prefixes) expect(got.some((line) => line.startsWith(prefix)), `nothing reported at ${prefix}\n${got.join('\n')}`).toBe(true);
      for (const line of got) expect(prefixes.some((prefix) => line.startsWith(prefix)), `unexpected: ${line}`).toBe(true);
    } else {
      expect(got).toEqual(exact);
    }
    expect(result.notes.map((n) => `${n.line}: ${n.kind}/${n.name}: ${n.message}`)).toEqual(notes);
  });

  it('lists problems of several files in the order the files were given', async () => {
    const files = [fixture('references/source-references.yaml'), fixture('references/duplicates.yaml')];
    const result = await loadManifests(files);
    expect(result.problems.map((p) => [basename(p.file), p.line])).toEqual([
      ['source-references.yaml', 10],
      ['source-references.yaml', 12],
      ['source-references.yaml', 13],
      ['duplicates.yaml', 8],
      // Source "web" of source-references.yaml came first, so both of duplicates.yaml repeat it.
      ['duplicates.yaml', 13],
      ['duplicates.yaml', 19],
    ]);
    expect(result.problems[4]?.message).toBe(`Source "web" is also declared at ${files[0]}:6; kubectl apply would keep only the last one`);
  });

  it('leaves objects with problems out of the config', async () => {
    const result = await loadManifests([fixture('references/invalid-target.yaml')]);
    expect(result.config.sources).toEqual([]);
    // The destination itself is fine: its source exists, it is only invalid.
    expect(result.config.destinations.map((d) => d.name)).toEqual(['hook']);
  });
});

describe('formatProblems', () => {
  it('prints file:line: Kind/name: path: message, leaving out what is empty, files relative to the working directory', () => {
    const problems: Problem[] = [
      { file: '/repo/deploy/a.yaml', line: 12, kind: 'Source', name: 'web', path: 'spec.limits.maxEventBytes', message: 'must be >= 256' },
      { file: '/repo/deploy/b.yaml', line: 0, kind: '', name: '', path: '', message: 'reading manifests: no such file or directory' },
      { file: '/elsewhere/c.yaml', line: 3, kind: 'Destination', name: 'hook', path: '', message: 'x' },
      { file: 'rel/d.yaml', line: 1, kind: '', name: 'nameless', path: '', message: 'y' },
    ];
    expect(formatProblems(problems, '/repo')).toBe(
      [
        'deploy/a.yaml:12: Source/web: spec.limits.maxEventBytes: must be >= 256',
        'deploy/b.yaml: reading manifests: no such file or directory',
        '/elsewhere/c.yaml:3: Destination/hook: x',
        'rel/d.yaml:1: nameless: y',
      ].join('\n'),
    );
  });
});
