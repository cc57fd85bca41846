// The image cannot be built here (no container engine), so this runs the Dockerfile's build
// steps for real in a temporary directory: the same COPY sources through .dockerignore, the
// same `npm ci --omit=dev` (offline-friendly), then the entry point with only production
// dependencies, as an unprivileged user on a tree it cannot write.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, hostEnv, type Built } from './build.ts';
import { compileDockerignore, operatorNodeFlags, parseDockerfile, parseEnv, stages } from './dockerfile.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfileText = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const UID = 65532;
const asRoot = process.getuid?.() === 0;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const chartOperatorFlags = () => operatorNodeFlags(repoRoot);

describe('Dockerfile', () => {
  const all = stages(parseDockerfile(dockerfileText));
  const final = all.at(-1);
  const ins = (k: string) => final?.instructions.filter((i) => i.keyword === k) ?? [];

  it('builds on Node 24 slim in every stage', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) expect(s.base).toMatch(/^node:24(\.\d+)*-(bookworm-)?slim$/);
  });

  it('runs the sluice CLI as uid 65532, with no HEALTHCHECK (Kubernetes probes instead)', () => {
    expect(ins('USER').map((i) => i.args[0])).toEqual([`${UID}:${UID}`]);
    expect(ins('ENTRYPOINT').map((i) => i.args)).toEqual([['node', 'runtime/src/cli/main.ts']]);
    expect(parseDockerfile(dockerfileText).filter((i) => i.keyword === 'HEALTHCHECK' || i.keyword === 'CMD')).toEqual([]);
  });

  it('copies only runtime/, operator/, crds/ and package*.json from the context', () => {
    const sources = all.flatMap((s) => s.instructions).filter((i) => i.keyword === 'COPY' && i.flags.from === undefined).flatMap((i) => i.args.slice(0, -1));
    expect([...new Set(sources)].sort()).toEqual(['crds/', 'operator/', 'package-lock.json', 'package.json', 'runtime/']);
  });

  it("fills the compile cache with the chart operator's node flags, as uid 65532", () => {
    const runs = ins('RUN').map((i) => i.shell);
    const warm = runs.find((r) => r.includes('operator --help'));
    expect(warm).toContain(['node', ...chartOperatorFlags(), 'runtime/src/cli/main.ts', 'operator', '--help'].join(' '));
    expect(warm).toMatch(/node runtime\/src\/cli\/main\.ts ingest --help/);
    expect(warm).toMatch(/node runtime\/src\/cli\/main\.ts deliver --help/);
    const order = final?.instructions.map((i) => (i.keyword === 'RUN' && i.shell === warm ? 'WARM' : i.keyword)) ?? [];
    expect(order.indexOf('USER')).toBeLessThan(order.indexOf('WARM'));
    expect(parseEnv(ins('ENV')[0]!).NODE_COMPILE_CACHE).toBe('/app/.node-compile-cache');
  });

  it('installs production dependencies only', () => {
    const runs = all.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN').map((i) => i.shell);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.filter((r) => /\bnpm (install|i)\b/.test(r))).toEqual([]);
  });
});

describe('Dockerfile reader', () => {
  it('reads flags, exec form, continuations and both ENV forms', () => {
    const parsed = parseDockerfile('# c\nFROM a AS b\nCOPY --from=b --chown=1:1 /x ./y/\nENV A=1 \\\n  B="two words"\nENV C three words\nENTRYPOINT ["n", "m.ts"]\n');
    expect(parsed.map((i) => [i.keyword, i.flags, i.args])).toEqual([
      ['FROM', {}, ['a', 'AS', 'b']],
      ['COPY', { from: 'b', chown: '1:1' }, ['/x', './y/']],
      ['ENV', {}, ['A=1', 'B="two', 'words"']],
      ['ENV', {}, ['C', 'three', 'words']],
      ['ENTRYPOINT', {}, ['n', 'm.ts']],
    ]);
    expect(parseEnv(parsed[2]!)).toEqual({ A: '1', B: 'two words' });
    expect(parseEnv(parsed[3]!)).toEqual({ C: 'three words' });
  });

  it.each([
    ['runtime/src/cli/main.ts', false],
    ['runtime/src/cli/main.test.ts', true],
    ['runtime/src/bus/bus.bench.ts', true],
    ['operator/src/api/index.ts', false],
    ['package.json', false],
    ['test/chart/helm.ts', true],
    ['node_modules/yaml/index.js', true],
    ['runtime/node_modules/x/y.js', true],
    ['README.md', true],
    ['.git/HEAD', true],
  ])('.dockerignore: %s ignored=%s', (path, want) => {
    expect(compileDockerignore(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'))(path)).toBe(want);
  });
});

describe('the image build steps, run for real', () => {
  let dir: string;
  let image: Built;
  let nodeBin: string;

  /** Runs a command in the image tree like the container would: workdir, ENV, uid 65532. */
  const inImage = (args: string[], timeoutMs = 60_000): Promise<Ran> =>
    new Promise((resolvePromise) => {
      const env = { ...hostEnv(image.root, image.env), PATH: `${dirname(nodeBin)}:/usr/bin:/bin` };
      execFile(
        nodeBin,
        args,
        { cwd: join(image.root, image.workdir), env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...(asRoot ? { uid: UID, gid: UID } : {}) },
        (err, stdout, stderr) => resolvePromise({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-docker-'));
    chmodSync(dir, 0o755);
    // The image's own node: the test's Node 24, copied where uid 65532 can run it (RUN steps
    // after USER run as that uid too).
    nodeBin = join(dir, 'bin', 'node');
    mkdirSync(dirname(nodeBin));
    copyFileSync(process.execPath, nodeBin);
    chmodSync(nodeBin, 0o755);
    image = await build({
      context: repoRoot,
      into: join(dir, 'fs'),
      // Use the npm cache when it has the packages; the registry only for what is missing.
      // Native modules (isolated-vm) build against the running Node's headers, as the image's would.
      runEnv: {
        PATH: `${dirname(nodeBin)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
        npm_config_nodedir: dirname(dirname(process.execPath)),
      },
    });
    if (!asRoot) {
      // Without root the process cannot change user: make the tree read-only instead.
      execFile('chmod', ['-R', 'a-w', join(image.root, image.workdir)], () => {});
    }
  }, 300_000);

  afterAll(() => {
    if (!dir) return;
    if (!asRoot && existsSync(dir)) execFile('chmod', ['-R', 'u+w', dir], () => rmSync(dir, { recursive: true, force: true }));
    else rmSync(dir, { recursive: true, force: true });
  });

  it('installed production dependencies and none of the dev ones', () => {
    const modules = readdirSync(join(image.root, image.workdir, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['yaml', 'ajv', 'prom-client', 'isolated-vm', '@kubernetes']));
    for (const dev of ['vitest', 'typescript', 'eslint', 'jsdom', 'playwright-core']) expect(modules, dev).not.toContain(dev);
  });

  it('copied sources without tests', () => {
    expect(image.copiedFromContext).toContain('runtime/src/cli/main.ts');
    expect(image.copiedFromContext).toContain('crds/sluice.dev_sources.yaml');
    expect(image.copiedFromContext.filter((f) => /\.(test|bench|suite)\.ts$/.test(f))).toEqual([]);
  });

  it.each([
    [['--help'], /Usage:\s+sluice <command>/],
    [['--version'], /^sluice \d+\.\d+\.\d+/],
    [['operator', '--help'], /--runtime-image/],
    [['ingest', '--help'], /--bus/],
    [['deliver', '--help'], /--bus/],
    [['run', '--help'], /sluice run/],
  ])('sluice %j works with production dependencies only', async (args, output) => {
    const r = await inImage([...image.entrypoint.slice(1), ...args]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(output);
    expect(r.code).toBe(0);
  });

  // Flags are part of the compile cache's key: the operator must start with the flags the
  // cache was filled with, and ingest and delivery pods with none (the entry point).
  it.each([
    ['operator', chartOperatorFlags()],
    ['ingest', []],
    ['deliver', []],
  ])('%s starts from the compile cache the build filled, without the TypeScript stripper', async (command, flags) => {
    const script = `
      const { COMMANDS } = await import('./runtime/src/cli/commands.ts');
      await COMMANDS[${JSON.stringify(command)}].load();
      process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('amaro'))));`;
    const r = await inImage([...flags, '--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    // The check can fail: with another flag set there is no cache, and the stripper loads.
    const cold = await inImage([...flags, '--stack-size=2000', '--input-type=module', '-e', script]);
    expect(JSON.parse(cold.stdout)).toEqual(['NativeModule internal/deps/amaro/dist/index']);
  });

  it('every shipped module loads with production dependencies only', async () => {
    // Worker entry points (*-worker.ts) only run inside a Worker with its workerData.
    const script = `
      import { readdirSync, statSync } from 'node:fs';
      import { join, resolve } from 'node:path';
      import { pathToFileURL } from 'node:url';
      const files = [];
      const walk = (d) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else if (p.endsWith('.ts') && !p.endsWith('-worker.ts')) files.push(p); } };
      walk('runtime'); walk('operator');
      const failed = [];
      for (const f of files) {
        try { await import(pathToFileURL(resolve(f)).href); }
        catch (e) { failed.push(f + ': ' + String(e && e.message).split('\\n')[0]); }
      }
      process.stdout.write(JSON.stringify({ count: files.length, failed }));
      process.exit(0);
    `;
    const r = await inImage(['--input-type=module', '-e', script], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const { count, failed } = JSON.parse(r.stdout) as { count: number; failed: string[] };
    expect(count).toBeGreaterThan(50);
    expect(failed).toEqual([]);
  }, 150_000);
});
