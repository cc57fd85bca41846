import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../test/fixtures/manifests/index.ts';
import { parseManifests, readManifests } from './read.ts';

describe('parseManifests', () => {
  it('reads every document with its line, skipping empty ones', () => {
    const text = '# comment\na: 1\n---\n---\n\nb: 2\n...\n---\nc: [3]\n';
    const { objects, problems } = parseManifests('f.yaml', text);
    expect(problems).toEqual([]);
    expect(objects.map((o) => [o.line, o.value])).toEqual([
      [2, { a: 1 }],
      [6, { b: 2 }],
      [9, { c: [3] }],
    ]);
  });

  it('reads YAML as kubectl does (1.1): yes/on are booleans, 0755 is octal, timestamps stay strings', () => {
    const { objects } = parseManifests('f.yaml', 'a: yes\nb: on\nc: 0755\nd: 2024-05-01T00:00:00Z\ne: "yes"\nf: y\ny: 1\n');
    // Even a key: sigs.k8s.io/yaml turns the boolean key back into the string "true".
    expect(objects[0]?.value).toEqual({ a: true, b: true, c: 493, d: '2024-05-01T00:00:00Z', e: 'yes', f: true, true: 1 });
  });

  it('reads JSON', () => {
    const { objects } = parseManifests('f.json', '{\n  "kind": "Secret",\n  "data": {"k": "dg=="}\n}\n');
    expect(objects[0]?.value).toEqual({ kind: 'Secret', data: { k: 'dg==' } });
    expect(objects[0]?.lineOf(['data', 'k'])).toBe(3);
  });

  it('expands Lists into their items, each with its own lines', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n  - kind: Secret\n    metadata: {name: a}\n  - kind: ConfigMap\n    metadata:\n      name: b\n';
    const { objects } = parseManifests('f.yaml', text);
    expect(objects.map((o) => [o.line, (o.value as { kind: string }).kind])).toEqual([
      [4, 'Secret'],
      [6, 'ConfigMap'],
    ]);
    expect(objects[1]?.lineOf(['metadata', 'name'])).toBe(8);
  });

  it('finds the line of a field, or of its deepest existing parent', () => {
    const text = 'kind: Source\nspec:\n  writeKeys:\n    - secretRef:\n        name: a\n    - secretRef: {name: b}\n  limits:\n    maxEventBytes: 100\n';
    const [o] = parseManifests('f.yaml', text).objects;
    expect(o?.lineOf([])).toBe(1);
    expect(o?.lineOf(['spec', 'limits', 'maxEventBytes'])).toBe(8);
    expect(o?.lineOf(['spec', 'writeKeys', 1, 'secretRef', 'name'])).toBe(6);
    expect(o?.lineOf(['spec', 'writeKeys', 0, 'secretRef', 'key'])).toBe(4);
    expect(o?.lineOf(['spec', 'cors', 'allowedOrigins'])).toBe(2);
  });

  it('follows aliases and merge keys', () => {
    const text = 'base: &b\n  x: 1\nderived:\n  <<: *b\n  z: 2\nref: *b\n';
    const [o] = parseManifests('f.yaml', text).objects;
    expect(o?.value).toEqual({ base: { x: 1 }, derived: { x: 1, z: 2 }, ref: { x: 1 } });
    expect(o?.lineOf(['ref', 'x'])).toBe(2);
  });

  it('reports syntax errors with their line and still reads the other documents', () => {
    const { objects, problems } = parseManifests('f.yaml', 'a: 1\n---\nb: [1,\nc: 2\n---\nd: 4\n');
    expect(objects.map((o) => o.value)).toEqual([{ a: 1 }, { d: 4 }]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: 'f.yaml', kind: '', name: '', path: '' });
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
    expect(problems[0]?.message).toMatch(/^parsing YAML: /);
  });

  it('rejects duplicate keys, as kubectl does', () => {
    const { problems } = parseManifests('f.yaml', 'a: 1\na: 2\n');
    expect(problems[0]?.message).toMatch(/unique/);
    expect(problems[0]?.line).toBe(2);
  });

  it('stops alias expansion bombs', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 6; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const { objects, problems } = parseManifests('bomb.yaml', `${lines.join('\n')}\n`);
    expect(objects).toEqual([]);
    expect(problems[0]?.message).toMatch(/^parsing YAML: .*alias/i);
  });

  it('keeps at most the given number of objects and says so', () => {
    const { objects, truncated } = parseManifests('f.yaml', 'a: 1\n---\nb: 2\n---\nc: 3\n', 2);
    expect(objects).toHaveLength(2);
    expect(truncated).toBe(true);
  });
});

describe('readManifests', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('walks directories recursively in name order, keeping .yaml/.yml/.json and skipping hidden entries', async () => {
    const { files, problems } = await readManifests([fixture('valid')]);
    expect(problems).toEqual([]);
    expect(files).toEqual(
      ['destinations/archive.json', 'destinations/webhook.yaml', 'other/deployment.yaml', 'secrets.yaml', 'sources.yaml', 'tracking-plan.yaml'].map((f) =>
        fixture('valid', f),
      ),
    );
  });

  it('reads files named explicitly whatever their extension, once each, and reports missing paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-read-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'manifest.txt'), 'kind: Secret\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'a.yml'), 'kind: ConfigMap\n');
    symlinkSync(join(dir, 'sub'), join(dir, 'sub', 'loop'));
    const { files, objects, problems } = await readManifests([join(dir, 'manifest.txt'), dir, join(dir, 'sub', 'a.yml'), join(dir, 'nope.yaml')]);
    expect(files).toEqual([join(dir, 'manifest.txt'), join(dir, 'sub', 'a.yml')]);
    expect(objects.map((o) => o.value)).toEqual([{ kind: 'Secret' }, { kind: 'ConfigMap' }]);
    expect(problems).toEqual([{ file: join(dir, 'nope.yaml'), line: 0, kind: '', name: '', path: '', message: 'reading manifests: no such file or directory' }]);
  });
});
