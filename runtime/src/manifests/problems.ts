import { isAbsolute, relative } from 'node:path';
import type { FieldError, PathSegment } from './apiserver/index.ts';
import type { ManifestObject } from './read.ts';
import type { Problem } from './types.ts';

/** A recognised object: where it is, what it is, and its content once decoded. */
export interface Declared<T> {
  at: ManifestObject;
  kind: string;
  name: string;
  namespace?: string;
  resource: T;
}

type Origin = Pick<Declared<unknown>, 'at' | 'kind' | 'name'>;

/** A problem at a field of an object; the line is the field's (or its nearest existing parent's). */
export function problemAt(d: Origin, segments: readonly PathSegment[], path: string, message: string): Problem {
  return { file: d.at.file, line: d.at.lineOf(segments), kind: d.kind, name: d.name, path, message };
}

export function fromFieldError(d: Origin, e: FieldError): Problem {
  return problemAt(d, e.segments, e.field, e.body);
}

/** `file:line: Kind/name: path: message`, one line each; files shown relative to the working directory. */
export function formatProblems(problems: readonly Problem[], cwd: string = process.cwd()): string {
  return problems
    .map((p) => {
      const parts = [`${displayPath(p.file, cwd)}${p.line > 0 ? `:${p.line}` : ''}`];
      const object = p.kind && p.name ? `${p.kind}/${p.name}` : p.kind || p.name;
      if (object) parts.push(object);
      if (p.path) parts.push(p.path);
      parts.push(p.message);
      return parts.join(': ');
    })
    .join('\n');
}

function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** In the order the files were given, then by line; stable otherwise. */
export function sortProblems(problems: Problem[], files: readonly string[]): Problem[] {
  const order = new Map(files.map((f, i) => [f, i]));
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (order.get(a.p.file) ?? -1) - (order.get(b.p.file) ?? -1) || a.p.line - b.p.line || a.i - b.i)
    .map(({ p }) => p);
}

/** "events[2].properties" → ["events", 2, "properties"]. */
export function parsePath(text: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  return out;
}
