import { describe, expect, it } from 'vitest';
import { buildCommand, portFlagValues, rewriteArgs, rewritePath } from './command.ts';
import { expand } from './env.ts';
import { matchesSelector, nextRestart, parseSelector, probeStep, shouldRestart } from './policy.ts';

const ROOT = '/tmp/pod/root/c';
const MOUNTS = ['/etc/sluice/config', '/etc/sluice/secrets/web-key', '/tmp'];
const PORTS = new Map([[8080, 41000]]);

describe('rewritePath', () => {
  it.each([
    { value: '/etc/sluice/config/config.json', want: `${ROOT}/etc/sluice/config/config.json` },
    { value: '/etc/sluice/config', want: `${ROOT}/etc/sluice/config` },
    // A parent of mounts (a secrets dir holding one mount per Secret) is under the root too.
    { value: '/etc/sluice/secrets', want: `${ROOT}/etc/sluice/secrets` },
    { value: '/tmp/', want: `${ROOT}/tmp` },
    { value: '/usr/bin/node', want: '/usr/bin/node' },
    { value: '/etc/sluicey', want: '/etc/sluicey' },
    { value: 'relative/path', want: 'relative/path' },
    { value: '/', want: '/' },
    { value: '//host/share', want: '//host/share' },
  ])('$value → $want', ({ value, want }) => {
    expect(rewritePath(value, MOUNTS, ROOT)).toBe(want);
  });
});

describe('rewriteArgs', () => {
  it.each([
    { args: ['--port', '8080'], want: ['--port', '41000'] },
    { args: ['--metrics-port=8080'], want: ['--metrics-port=41000'] },
    { args: ['--port', '9999'], want: ['--port', '9999'] },
    { args: ['--config', '/etc/sluice/config/config.json'], want: ['--config', `${ROOT}/etc/sluice/config/config.json`] },
    { args: ['--secrets-dir=/etc/sluice/secrets'], want: [`--secrets-dir=${ROOT}/etc/sluice/secrets`] },
    { args: ['--bus', 'nats://127.0.0.1:4222'], want: ['--bus', 'nats://127.0.0.1:4222'] },
    { args: ['8080'], want: ['8080'] },
  ])('$args', ({ args, want }) => {
    expect(rewriteArgs(args, MOUNTS, ROOT, PORTS)).toEqual(want);
  });

  it('finds the container ports named by port flags', () => {
    expect(portFlagValues(['--port', '8080', '--health-port=8082', '--port', 'http', '--replicas', '3'])).toEqual([8080, 8082]);
  });
});

describe('buildCommand', () => {
  const image = { entrypoint: ['/node', '/repo/main.ts'], cmd: ['help'], binaries: { node: '/node' }, env: { A: 'image', B: 'image' } };
  const base = { PATH: '/usr/bin' };
  const env = new Map([
    ['B', 'container'],
    ['CONFIG', '/etc/sluice/config/config.json'],
    ['PORT', '8080'],
  ]);

  it('args replace CMD after the ENTRYPOINT; container env wins and is rewritten', () => {
    const r = buildCommand({ container: { name: 'c', args: ['ingest', '--port', '8080', '--x=$(B)'], volumeMounts: MOUNTS.map((m, i) => ({ name: `v${i}`, mountPath: m })) }, image, env, root: ROOT, ports: PORTS, base });
    expect(r).toEqual({
      ok: true,
      argv: ['/node', '/repo/main.ts', 'ingest', '--port', '41000', '--x=container'],
      env: { PATH: '/usr/bin', A: 'image', B: 'container', CONFIG: `${ROOT}/etc/sluice/config/config.json`, PORT: '41000' },
      cwd: undefined,
    });
  });

  it('without args the image CMD runs', () => {
    const r = buildCommand({ container: { name: 'c' }, image, env: new Map(), root: ROOT, ports: PORTS, base });
    expect(r.ok && r.argv).toEqual(['/node', '/repo/main.ts', 'help']);
  });

  it('a command replaces the ENTRYPOINT and must be one of the image binaries', () => {
    const ok = buildCommand({ container: { name: 'c', command: ['node', 'x.mjs'] }, image, env: new Map(), root: ROOT, ports: PORTS, base });
    expect(ok.ok && ok.argv).toEqual(['/node', 'x.mjs']);
    const bad = buildCommand({ container: { name: 'c', command: ['/bin/sh', '-c', 'true'] }, image, env: new Map(), root: ROOT, ports: PORTS, base });
    expect(bad).toMatchObject({ ok: false, message: expect.stringContaining('/bin/sh') as unknown });
  });
});

describe('expand', () => {
  const vars = new Map([['A', 'x']]);
  it.each([
    { input: '$(A)-$(B)', want: 'x-$(B)' },
    { input: '$$(A)', want: '$(A)' },
    { input: 'a$', want: 'a$' },
    { input: '$(A', want: '$(A' },
  ])('$input → $want', ({ input, want }) => {
    expect(expand(input, vars)).toBe(want);
  });
});

describe('kubelet policy', () => {
  it.each([
    { policy: 'Always', code: 0, want: true },
    { policy: 'OnFailure', code: 0, want: false },
    { policy: 'OnFailure', code: null, want: true },
    { policy: 'Never', code: 1, want: false },
  ] as const)('restart $policy after exit $code: $want', ({ policy, code, want }) => {
    expect(shouldRestart(policy, code)).toBe(want);
  });

  it('doubles the restart delay up to the cap and starts over after a healthy run', () => {
    const b = { initialMs: 100, maxMs: 300, resetAfterMs: 1_000 };
    expect(nextRestart(0, 10, b)).toEqual({ crashes: 1, delayMs: 100 });
    expect(nextRestart(1, 10, b)).toEqual({ crashes: 2, delayMs: 200 });
    expect(nextRestart(5, 10, b)).toEqual({ crashes: 6, delayMs: 300 });
    expect(nextRestart(5, 5_000, b)).toEqual({ crashes: 1, delayMs: 100 });
  });

  it('flips a probe verdict only after the thresholds', () => {
    const probe = { failureThreshold: 2, successThreshold: 1 };
    let s = { ok: true, successes: 0, failures: 0 };
    s = probeStep(s, false, probe);
    expect(s.ok).toBe(true);
    s = probeStep(s, false, probe);
    expect(s.ok).toBe(false);
    s = probeStep(s, true, probe);
    expect(s.ok).toBe(true);
  });

  it('parses equality selectors and refuses set-based ones', () => {
    expect(parseSelector('app=web, tier==front')).toEqual({ app: 'web', tier: 'front' });
    expect(matchesSelector({ app: 'web', tier: 'front', x: 'y' }, { app: 'web', tier: 'front' })).toBe(true);
    expect(matchesSelector({ app: 'web' }, { app: 'web', tier: 'front' })).toBe(false);
    expect(() => parseSelector('app in (web)')).toThrow(/only key=value/);
  });
});
