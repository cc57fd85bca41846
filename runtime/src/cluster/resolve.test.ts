import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderConfig, renderDestination, renderSource } from './rendered.ts';
import { mountedSecrets, resolveRendered } from './resolve.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The layout the kubelet writes: keys are symlinks into a timestamped directory behind ..data. */
function mountSecret(name: string, data: Record<string, string>): void {
  const root = join(dir, name);
  const stamp = join(root, '..2026_01_01_00_00_00.1');
  mkdirSync(stamp, { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(stamp, k), v);
  symlinkSync('..2026_01_01_00_00_00.1', join(root, '..data'));
  for (const k of Object.keys(data)) symlinkSync(join('..data', k), join(root, k));
}

mountSecret('web-key', { writeKey: 'wk_1' });
mountSecret('hook-creds', { token: 't-1', '.hidden': 'h' });
mountSecret('empty-key', { writeKey: '' });

const source = (secret: string, key?: string) =>
  renderSource('web', { writeKeys: [{ secretRef: { name: secret, ...(key ? { key } : {}) } }] });

describe('resolveRendered', () => {
  it('reads write keys and every credentials key from the mounted files, skipping the kubelet\'s own entries', () => {
    const config = resolveRendered(
      renderConfig({ sources: [source('web-key')], destinations: [renderDestination('hook', { sources: [{ name: 'web' }], type: 'webhook', credentials: { secretRef: { name: 'hook-creds' } } }, 'fn')] }),
      dir,
    );
    expect(config.sources[0]?.writeKeys).toEqual(['wk_1']);
    expect(config.destinations[0]?.credentials).toEqual({ '.hidden': 'h', token: 't-1' });
    expect(config.destinations[0]?.functionSource).toBe('fn');
  });

  it.each([
    ['a missing Secret', source('nope'), 'Source web: write key nope/writeKey'],
    ['a missing key', source('web-key', 'other'), 'Source web: write key web-key/other'],
    ['an empty write key', source('empty-key'), 'write key empty-key/writeKey is empty'],
  ])('names %s', (_what, s, message) => {
    expect(() => resolveRendered(renderConfig({ sources: [s] }), dir)).toThrow(message);
  });

  it('names a missing credentials Secret', () => {
    const d = renderDestination('hook', { sources: [{ name: 'web' }], type: 'webhook', credentials: { secretRef: { name: 'gone' } } });
    expect(() => resolveRendered(renderConfig({ destinations: [d] }), dir)).toThrow('Destination hook: credentials Secret gone');
  });

  it('never reads outside the directory', () => {
    expect(() => mountedSecrets(dir).read('..', 'passwd')).toThrow('cannot be a file name');
    expect(() => mountedSecrets(dir).read('web-key', '../hook-creds/token')).toThrow('cannot be a file name');
  });
});
