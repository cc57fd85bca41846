// From a container spec to the local process: which program, which arguments, which
// environment. The spec runs unchanged except for two rewrites a shared machine forces:
// - paths: a container sees its volumes at `mountPath`; here they live under a per-container
//   root directory, so an absolute path in the command, args or env that is a mount path,
//   lies under one, or contains one (`/etc/sluice/secrets` holding `/etc/sluice/secrets/<name>`)
//   gets that root prepended. Nothing else is touched.
// - ports: every pod would listen on the same containerPort, so the value of a port flag
//   (`--port 8080`, `--metrics-port=9090`) or a *PORT variable naming a known container port
//   becomes that port's host port.
// Pure: table-tested in command.test.ts.
import { basename, posix } from 'node:path';
import type { Container } from '../../../operator/src/kube/index.ts';
import { expand } from './env.ts';
import type { ImageRuntime } from './types.ts';

const normal = (p: string): string => {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
};

/** `value` with `root` prepended when it is an absolute path related to a mount path. */
export function rewritePath(value: string, mounts: readonly string[], root: string): string {
  if (!value.startsWith('/') || value.startsWith('//')) return value;
  const p = normal(value);
  if (p === '/') return value;
  const related = mounts.some((m0) => {
    const m = normal(m0);
    return p === m || p.startsWith(`${m}/`) || m.startsWith(`${p}/`);
  });
  return related ? root + p : value;
}

const PORT_FLAG = /^--?(?:[A-Za-z0-9]+[-_])*port$/i;
const PORT_FLAG_EQ = /^(--?(?:[A-Za-z0-9]+[-_])*port=)(\d+)$/i;
const PORT_VAR = /(?:^|_)PORT$/i;
const FLAG_EQ_PATH = /^(--?[A-Za-z0-9][-_A-Za-z0-9.]*=)(\/.*)$/;

/** Container port numbers named by port flags in `args` (declared or not, they need a host port). */
export function portFlagValues(args: readonly string[]): number[] {
  const out: number[] = [];
  args.forEach((a, i) => {
    const eq = PORT_FLAG_EQ.exec(a);
    if (eq) out.push(Number(eq[2]));
    else if (PORT_FLAG.test(a) && /^\d+$/.test(args[i + 1] ?? '')) out.push(Number(args[i + 1]));
  });
  return out.filter((n) => n > 0 && n < 65536);
}

/** Rewrites paths and port-flag values in an argument list. */
export function rewriteArgs(args: readonly string[], mounts: readonly string[], root: string, ports: ReadonlyMap<number, number>): string[] {
  return args.map((a, i) => {
    const prev = i > 0 ? args[i - 1]! : '';
    if (PORT_FLAG.test(prev) && /^\d+$/.test(a)) return String(ports.get(Number(a)) ?? a);
    const eq = PORT_FLAG_EQ.exec(a);
    if (eq) return eq[1]! + String(ports.get(Number(eq[2])) ?? eq[2]);
    const flag = FLAG_EQ_PATH.exec(a);
    if (flag) return flag[1]! + rewritePath(flag[2]!, mounts, root);
    return rewritePath(a, mounts, root);
  });
}

export function rewriteEnv(env: ReadonlyMap<string, string>, mounts: readonly string[], root: string, ports: ReadonlyMap<number, number>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of env) {
    const port = PORT_VAR.test(k) && /^\d+$/.test(v) ? ports.get(Number(v)) : undefined;
    out.set(k, port !== undefined ? String(port) : rewritePath(v, mounts, root));
  }
  return out;
}

/** A probe's or Service's port (number or name) as a container port number. */
export function containerPortOf(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export interface CommandInput {
  container: Container;
  image: ImageRuntime;
  /** The resolved environment, before any rewrite. */
  env: ReadonlyMap<string, string>;
  /** This container's root directory for its mount paths. */
  root: string;
  ports: ReadonlyMap<number, number>;
  /** Variables every process gets before the image's and the container's (PATH, HOSTNAME). */
  base: Record<string, string>;
}

export type CommandResult =
  | { ok: true; argv: string[]; env: Record<string, string>; cwd: string | undefined }
  | { ok: false; message: string; reason?: string };

/**
 * The process for a container, following the image rules: `command` replaces ENTRYPOINT (and
 * drops CMD), `args` replaces CMD. `$(VAR)` references expand against the spec's own values
 * before any rewrite, so a rewritten path is never rewritten twice.
 */
export function buildCommand(input: CommandInput): CommandResult {
  const { container, image, env, root, ports } = input;
  const mounts = (container.volumeMounts ?? []).map((m) => m.mountPath);
  const fromSpec = (xs: readonly string[]) => rewriteArgs(xs.map((x) => expand(x, env)), mounts, root, ports);
  let argv: string[];
  if (container.command && container.command.length > 0) {
    const [program, ...rest] = container.command.map((x) => expand(x, env)) as [string, ...string[]];
    // A program is one of the image's (mapped) or a file from a mounted volume.
    const mapped = image.binaries?.[program] ?? image.binaries?.[basename(program)];
    const mounted = rewritePath(program, mounts, root);
    const local = mapped ?? (mounted !== program ? mounted : undefined);
    if (local === undefined) return { ok: false, message: `image has no executable "${program}": map it in the image's binaries` };
    argv = [local, ...rewriteArgs(rest, mounts, root, ports), ...fromSpec(container.args ?? [])];
  } else {
    if (image.entrypoint.length === 0) return { ok: false, message: 'the image has no entrypoint and the container no command' };
    argv = [...image.entrypoint, ...(container.args ? fromSpec(container.args) : (image.cmd ?? []))];
  }
  const workingDir = container.workingDir ? rewritePath(container.workingDir, mounts, root) : undefined;
  const cwd = workingDir && workingDir !== container.workingDir ? workingDir : image.cwd;
  return {
    ok: true,
    argv,
    env: { ...input.base, ...image.env, ...Object.fromEntries(rewriteEnv(env, mounts, root, ports)) },
    cwd,
  };
}
