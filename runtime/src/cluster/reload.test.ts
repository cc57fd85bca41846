import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderConfig, renderSource, serializeRendered } from './rendered.ts';
import { ConfigWatcher, loadConfig, type LoadedConfig } from './reload.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'config.json');
const secrets = join(dir, 'secrets');
mkdirSync(join(secrets, 'key'), { recursive: true });

const writeConfig = (replicas: number) =>
  writeFileSync(configPath, serializeRendered(renderConfig({ sources: [renderSource('web', { writeKeys: [{ secretRef: { name: 'key' } }], replicas })] })));

describe('ConfigWatcher', () => {
  it('applies a changed config or Secret once, keeps the running one when a change does not load, and reports each error once', async () => {
    writeConfig(1);
    writeFileSync(join(secrets, 'key', 'writeKey'), 'wk_1');
    const first = loadConfig(configPath, secrets);
    const applied: LoadedConfig[] = [];
    const errors: string[] = [];
    const w = new ConfigWatcher({
      configPath,
      secretsDir: secrets,
      current: first.fingerprint,
      intervalMs: 60_000,
      onChange: (l) => {
        applied.push(l);
        return Promise.resolve();
      },
      onError: (e) => errors.push(e.message),
    });
    await w.check();
    expect(applied).toHaveLength(0);

    writeFileSync(join(secrets, 'key', 'writeKey'), 'wk_2');
    await w.check();
    await w.check();
    expect(applied.map((l) => l.config.sources[0]?.writeKeys)).toEqual([['wk_2']]);

    writeFileSync(configPath, '{"version":1');
    await w.check();
    await w.check();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('not JSON');
    expect(applied).toHaveLength(1);

    writeConfig(3);
    await w.check();
    expect(applied.map((l) => l.config.sources[0]?.spec.replicas)).toEqual([1, 3]);
    await w.stop();
  });

  it('retries a change whose apply failed', async () => {
    writeConfig(1);
    writeFileSync(join(secrets, 'key', 'writeKey'), 'wk_1');
    let fail = true;
    let applied = 0;
    const w = new ConfigWatcher({
      configPath,
      secretsDir: secrets,
      current: 'old',
      intervalMs: 60_000,
      onChange: () => (fail ? Promise.reject(new Error('bus down')) : Promise.resolve(void applied++)),
      onError: () => {},
    });
    await w.check();
    expect(applied).toBe(0);
    fail = false;
    await w.check();
    await w.check();
    expect(applied).toBe(1);
    await w.stop();
  });
});
