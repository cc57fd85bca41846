// Runs a Dockerfile's build steps for real, without a container engine: each stage's
// filesystem is a directory, WORKDIR/COPY/RUN/ENV act on it (RUN after USER as that uid when
// the tests run as root), the base image is the Node 24 running the tests. Only the instructions the project's Dockerfile uses are known; anything
// else fails, so a new instruction gets a deliberate translation here.
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { compileDockerignore, parseDockerfile, parseEnv, stages, type Stage } from './dockerfile.ts';

export interface Built {
  /** The final stage's filesystem root; image paths map to `join(root, path)`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  entrypoint: string[];
  stages: Stage[];
  /** Paths (relative to the context) each context COPY of the final stage brought in. */
  copiedFromContext: string[];
}

export interface BuildOptions {
  context: string;
  dockerfile?: string;
  /** Scratch directory that receives one sub-directory per stage. */
  into: string;
  /** Extra environment for RUN steps (e.g. npm_config_prefer_offline). */
  runEnv?: Record<string, string>;
  log?: (line: string) => void;
}

function sh(command: string, cwd: string, env: Record<string, string>, ids?: { uid: number; gid: number }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { cwd, env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...ids }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * The image's environment as seen from outside it: a value that is an absolute path (HOME=/tmp,
 * NODE_COMPILE_CACHE=/app/...) names a place in the image, so it moves under `root`.
 */
export function hostEnv(root: string, env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.startsWith('/') ? join(root, v) : v]));
}

/** A numeric `USER uid[:gid]`; names would need the image's /etc/passwd, which this has not. */
function numericUser(user: string, line: number): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) throw new Error(`Dockerfile line ${line}: USER ${user}: only numeric uid[:gid] is translated by test/docker/build.ts`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

/**
 * Without root a RUN cannot change user or ownership: steps after USER run as the test's own
 * user (who then owns every file, as the image's user would own what it was given), and
 * chown is a no-op in front of the real one on PATH.
 */
function noChownShim(into: string): string {
  const dir = join(into, 'no-chown');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'chown'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return dir;
}

/** Every file under `dir` (relative to `base`), skipping what `skip` says, never following links. */
function walk(base: string, dir: string, skip: (rel: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    const rel = relative(base, abs).split('\\').join('/');
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) continue;
    // Docker checks directories too: an ignored directory is skipped unless a later "!"
    // pattern re-includes something inside, which the project's .dockerignore never does.
    if (st.isDirectory()) {
      if (!skip(rel)) walk(base, abs, skip, out);
    } else if (!skip(rel)) out.push(rel);
  }
  return out;
}

const asRoot = process.getuid?.() === 0;

export async function build(opts: BuildOptions): Promise<Built> {
  const dockerfile = readFileSync(opts.dockerfile ?? join(opts.context, 'Dockerfile'), 'utf8');
  const ignorePath = join(opts.context, '.dockerignore');
  const ignored = existsSync(ignorePath) ? compileDockerignore(readFileSync(ignorePath, 'utf8')) : () => false;
  const all = stages(parseDockerfile(dockerfile));
  const roots = new Map<string, string>();
  let shimDir: string | undefined;
  let result: Built | undefined;

  for (const [i, stage] of all.entries()) {
    const root = join(opts.into, `stage-${i}`);
    mkdirSync(join(root, 'tmp'), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    let workdir = '/';
    const env: Record<string, string> = {};
    let user: string | undefined;
    let entrypoint: string[] = [];
    const copied: string[] = [];
    const inImage = (p: string) => join(root, posix.resolve(workdir, p));

    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, ins.args[0] ?? '/');
          mkdirSync(join(root, workdir), { recursive: true });
          break;
        case 'ENV':
          Object.assign(env, parseEnv(ins));
          break;
        case 'LABEL':
          break;
        case 'USER':
          user = ins.args[0];
          if (user !== undefined) numericUser(user, ins.line);
          break;
        case 'ENTRYPOINT':
          entrypoint = ins.args;
          break;
        case 'COPY': {
          const sources = ins.args.slice(0, -1);
          const destArg = ins.args.at(-1) ?? '';
          const toDir = destArg.endsWith('/') || sources.length > 1;
          const dest = inImage(destArg);
          const from = ins.flags.from;
          for (const src of sources) {
            if (from !== undefined) {
              const fromRoot = roots.get(from) ?? roots.get(String(Number(from)));
              if (!fromRoot) throw new Error(`Dockerfile line ${ins.line}: no stage "${from}" before it`);
              const abs = join(fromRoot, posix.resolve('/', src));
              cpSync(abs, statSync(abs).isDirectory() || !toDir ? dest : join(dest, basename(abs)), { recursive: true });
              continue;
            }
            const clean = posix.normalize(src).replace(/\/+$/, '');
            const abs = join(opts.context, clean);
            if (!existsSync(abs) || ignored(clean)) throw new Error(`Dockerfile line ${ins.line}: COPY ${src}: not in the build context (missing or in .dockerignore)`);
            if (statSync(abs).isDirectory()) {
              for (const rel of walk(opts.context, abs, ignored)) {
                const target = join(dest, relative(clean, rel));
                mkdirSync(dirname(target), { recursive: true });
                cpSync(join(opts.context, rel), target);
                if (i === all.length - 1) copied.push(rel);
              }
            } else {
              const target = toDir ? join(dest, basename(clean)) : dest;
              mkdirSync(dirname(target), { recursive: true });
              cpSync(abs, target);
              if (i === all.length - 1) copied.push(clean);
            }
          }
          break;
        }
        case 'RUN': {
          if (ins.shell.startsWith('[')) throw new Error(`Dockerfile line ${ins.line}: exec-form RUN is not translated here`);
          const cwd = join(root, workdir);
          opts.log?.(`RUN ${ins.shell} (in ${cwd})`);
          const runEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...hostEnv(root, env), ...opts.runEnv };
          let ids: { uid: number; gid: number } | undefined;
          if (user !== undefined && asRoot) ids = numericUser(user, ins.line);
          if (!asRoot) runEnv.PATH = `${(shimDir ??= noChownShim(opts.into))}:${runEnv.PATH ?? ''}`;
          const r = await sh(ins.shell, cwd, runEnv, ids);
          if (r.code !== 0) throw new Error(`Dockerfile line ${ins.line}: RUN ${ins.shell} exited ${r.code}:\n${r.output.slice(-4000)}`);
          break;
        }
        default:
          throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} is not translated by test/docker/build.ts`);
      }
    }
    roots.set(String(i), root);
    if (stage.name) roots.set(stage.name, root);
    result = { root, workdir, env, user, entrypoint, stages: all, copiedFromContext: copied };
  }
  if (!result) throw new Error('Dockerfile has no stage');
  return result;
}
