// A small reader of the project's Dockerfile and .dockerignore, enough to run the build steps
// without a container engine: instructions with flags, stages, and Docker's ignore rules
// (last matching pattern wins; a pattern matching a parent directory matches its files).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Instruction {
  keyword: string;
  /** Leading --name=value flags (COPY --from, RUN --mount, …). */
  flags: Record<string, string>;
  /** Exec-form (JSON array) or whitespace-split arguments; shell form keeps `shell`. */
  args: string[];
  /** The text after the keyword and flags, for shell-form RUN. */
  shell: string;
  line: number;
}

export interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Joins continuation lines, drops comments and blank lines, splits keyword / flags / args. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (buf === '' && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (buf !== '' && trimmed.startsWith('#')) continue;
    if (buf === '') start = i + 1;
    if (trimmed.endsWith('\\')) {
      buf += `${trimmed.slice(0, -1)} `;
      continue;
    }
    buf += trimmed;
    out.push(parseInstruction(buf, start));
    buf = '';
  }
  if (buf !== '') throw new Error(`reading Dockerfile: line ${start} continues past the end of the file`);
  return out;
}

function parseInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*(.*)$/.exec(text);
  if (!m) throw new Error(`reading Dockerfile line ${line}: empty instruction`);
  const keyword = (m[1] ?? '').toUpperCase();
  let rest = m[2] ?? '';
  const flags: Record<string, string> = {};
  for (;;) {
    const f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!f) break;
    flags[f[1] ?? ''] = f[2] ?? 'true';
    rest = rest.slice(f[0].length);
  }
  let args: string[];
  if (rest.startsWith('[')) {
    const parsed: unknown = JSON.parse(rest);
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`reading Dockerfile line ${line}: ${keyword} exec form must be an array of strings`);
    args = parsed;
  } else {
    args = rest.split(/\s+/).filter((a) => a !== '');
  }
  return { keyword, flags, args, shell: rest, line };
}

export function stages(instructions: readonly Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [base = '', as, name] = ins.args;
      out.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const current = out.at(-1);
      if (!current) throw new Error(`reading Dockerfile line ${ins.line}: ${ins.keyword} before FROM`);
      current.instructions.push(ins);
    }
  }
  return out;
}

/** ENV in both forms: `ENV A=1 B="two words"` and the legacy `ENV A value with spaces`. */
export function parseEnv(ins: Instruction): Record<string, string> {
  if (!(ins.args[0] ?? '').includes('=')) {
    const [k = '', ...v] = ins.args;
    return { [k]: v.join(' ') };
  }
  const env: Record<string, string> = {};
  const pair = /\s*([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/y;
  let m: RegExpExecArray | null;
  let read = 0;
  while ((m = pair.exec(ins.shell)) !== null) {
    const value = m[2] ?? '';
    env[m[1] ?? ''] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    read = pair.lastIndex;
  }
  if (ins.shell.slice(read).trim() !== '') throw new Error(`reading Dockerfile line ${ins.line}: cannot read ENV ${ins.shell}`);
  return env;
}

/** Go's filepath.Match plus `**` (any number of path segments), anchored at the context root. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      // "**/" matches zero or more directories; a trailing "**" anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `ignored(path)` for a path relative to the context root, following .dockerignore. */
export function compileDockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exclusion = l.startsWith('!');
      const p = (exclusion ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclusion, re: globToRegExp(p) };
    });
  return (path: string) => {
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const p of patterns) {
      if (candidates.some((c) => p.re.test(c))) ignored = !p.exclusion;
    }
    return ignored;
  };
}

/**
 * The node flags of the chart's operator container, `command: ["node", <flags>, "runtime/src/cli/main.ts"]`:
 * the image's compile cache is filled with them and the operator benchmark runs with them.
 */
export function operatorNodeFlags(repoRoot: string): string[] {
  const template = readFileSync(join(repoRoot, 'charts/sluice/templates/deployment.yaml'), 'utf8');
  const command = /^\s*command:\s*(\[.*\])\s*$/m.exec(template)?.[1];
  if (!command) throw new Error('charts/sluice/templates/deployment.yaml: no command line');
  const argv = JSON.parse(command) as string[];
  if (argv[0] !== 'node' || argv.at(-1) !== 'runtime/src/cli/main.ts') throw new Error(`the chart's operator command is not node <flags> runtime/src/cli/main.ts: ${command}`);
  return argv.slice(1, -1);
}
