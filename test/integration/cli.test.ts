import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { pipeline, request, runCli, writeManifests } from '../support/index.ts';

const h = useHarness({ scope: 'each' });

function invalidDir(): string {
  const dir = writeManifests(h.tempDir(), pipeline({ writeKey: `wk-${randomUUID()}` }));
  // A Source with an unknown onInvalid value, and one whose write-key Secret does not exist.
  writeFileSync(
    join(dir, 'broken.yaml'),
    [
      `apiVersion: sluice.dev/v1alpha1\nkind: Source\nmetadata: {name: broken}\nspec:\n  onInvalid: sometimes\n  writeKeys: [{secretRef: {name: web-write-key}}]\n`,
      `apiVersion: sluice.dev/v1alpha1\nkind: Source\nmetadata: {name: orphan}\nspec:\n  writeKeys: [{secretRef: {name: missing-secret}}]\n`,
    ].join('---\n'),
  );
  return dir;
}

describe('sluice CLI', () => {
  it('validate exits 0 on valid manifests and 1 listing every problem with its file', async () => {
    const good = writeManifests(h.tempDir(), pipeline({ writeKey: 'k1', webhookUrl: 'http://127.0.0.1:9/hook' }));
    const ok = await runCli(['validate', '-f', good]);
    expect(ok.code, ok.stderr).toBe(0);

    const bad = await runCli(['validate', '-f', invalidDir()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('broken.yaml');
    expect(bad.stderr).toContain('onInvalid');
    expect(bad.stderr).toContain('missing-secret');
  });

  it('run refuses invalid manifests: exits non-zero with the problems listed, serving nothing', async () => {
    const err = await h.sluice({ manifests: invalidDir(), readyTimeoutMs: 20_000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/exited \(code [1-9]/);
    expect(err?.message).toContain('broken.yaml');
  });

  it('stops gracefully on SIGTERM', async () => {
    const s = await h.sluice({ manifests: pipeline({ writeKey: `wk-${randomUUID()}` }) });
    expect((await request(`${s.url}/healthz`)).status).toBe(200);
    expect((await request(`${s.url}/readyz`)).status).toBe(200);
    const exit = await s.stop(10_000);
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
