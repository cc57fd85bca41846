import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { PathSegment } from './apiserver/index.ts';
import type { Problem } from './types.ts';

/** Bounds on what is read, so a stray path cannot exhaust memory. */
export const READ_LIMITS = {
  files: 10_000,
  fileBytes: 16 * 1024 * 1024,
  documents: 10_000,
  /** YAML alias expansions per document (a "billion laughs" guard). */
  aliases: 100,
} as const;

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** One object from a manifest file (a document, or an item of a List), with its position. */
export interface ManifestObject {
  file: string;
  line: number;
  value: unknown;
  /** The line of the field at `segments`, or of the deepest part of that path that exists. */
  lineOf(segments: readonly PathSegment[]): number;
}

export interface ReadResult {
  files: string[];
  objects: ManifestObject[];
  problems: Problem[];
}

/**
 * Reads manifest files and directories the way `kubectl apply -R -f` does: directories
 * recursively in name order, keeping .yaml/.yml/.json files (hidden entries skipped), files
 * named explicitly whatever their extension; every document of every file, Lists expanded.
 */
export async function readManifests(paths: readonly string[]): Promise<ReadResult> {
  const problems: Problem[] = [];
  const files = await collectFiles(paths, problems);
  const objects: ManifestObject[] = [];
  for (const file of files) {
    if (objects.length >= READ_LIMITS.documents) {
      problems.push(fileProblem(file, 0, `reading manifests: more than ${READ_LIMITS.documents} objects; the rest are not read`));
      break;
    }
    let text: string;
    try {
      const size = (await stat(file)).size;
      if (size > READ_LIMITS.fileBytes) {
        problems.push(fileProblem(file, 0, `reading manifests: the file has ${size} bytes; the limit is ${READ_LIMITS.fileBytes}`));
        continue;
      }
      text = await readFile(file, 'utf8');
    } catch (err) {
      problems.push(fileProblem(file, 0, `reading manifests: ${errorText(err)}`));
      continue;
    }
    const parsed = parseManifests(file, text, READ_LIMITS.documents - objects.length);
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
    if (parsed.truncated) {
      problems.push(fileProblem(file, 0, `reading manifests: more than ${READ_LIMITS.documents} objects; the rest are not read`));
      break;
    }
  }
  return { files, objects, problems };
}

async function collectFiles(paths: readonly string[], problems: Problem[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  let overflow = false;
  const add = async (file: string) => {
    const real = await realpath(file).catch(() => file);
    if (seen.has(real)) return;
    seen.add(real);
    if (files.length < READ_LIMITS.files) files.push(file);
    else if (!overflow) {
      overflow = true;
      problems.push(fileProblem(file, 0, `reading manifests: more than ${READ_LIMITS.files} files; the rest are not read`));
    }
  };
  const walk = async (dir: string, visited: Set<string>) => {
    const real = await realpath(dir);
    if (visited.has(real)) return; // a symlink loop
    visited.add(real);
    const entries = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort(byteOrder);
    for (const name of entries) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      if (st?.isDirectory()) await walk(path, visited);
      else if (st?.isFile() && EXTENSIONS.has(extname(name).toLowerCase())) await add(path);
    }
  };
  for (const path of paths) {
    try {
      const st = await stat(path);
      if (st.isDirectory()) await walk(path, new Set());
      else await add(path);
    } catch (err) {
      problems.push(fileProblem(path, 0, `reading manifests: ${errorText(err)}`));
    }
  }
  return files;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Parses one file's YAML (or JSON) documents with kubectl's YAML 1.1 reading — `yes`/`on`
 * are booleans, but timestamps stay strings — and positions for every field.
 */
export function parseManifests(
  file: string,
  text: string,
  maxObjects: number = READ_LIMITS.documents,
): { objects: ManifestObject[]; problems: Problem[]; truncated: boolean } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    version: '1.1',
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
  });
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push(fileProblem(file, lineAt(e.pos[0]), `parsing YAML: ${firstLine(e.message)}`));
      continue;
    }
    if (doc.contents === null) continue; // an empty document
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: READ_LIMITS.aliases });
    } catch (err) {
      problems.push(fileProblem(file, lineAt(doc.range[0]), `parsing YAML: ${errorText(err)}`));
      continue;
    }
    if (value === null || value === undefined) continue;
    const line = lineAt(doc.contents.range[0]);
    const locate = (root: Node, base: number) => (segments: readonly PathSegment[]) => lineOfPath(doc, root, segments, lineAt, base);
    const items = listItems(value);
    if (items && isMap(doc.contents)) {
      const seqNode = doc.contents.get('items', true);
      items.forEach((item, i) => {
        const node = isSeq(seqNode) ? (seqNode.items[i] as Node | undefined) : undefined;
        const at = node?.range ? lineAt(node.range[0]) : line;
        objects.push({ file, line: at, value: item, lineOf: node ? locate(node, at) : () => at });
      });
    } else {
      objects.push({ file, line, value, lineOf: locate(doc.contents, line) });
    }
    if (objects.length > maxObjects) {
      objects.length = Math.max(0, maxObjects);
      return { objects, problems, truncated: true };
    }
  }
  return { objects, problems, truncated: false };
}

/** The items of a List (v1 List, or any *List kind), which kubectl applies one by one. */
function listItems(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  return typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) ? v.items : undefined;
}

function lineOfPath(
  doc: Document.Parsed,
  root: Node,
  segments: readonly PathSegment[],
  lineAt: (offset: number) => number,
  base: number,
): number {
  let node: unknown = root;
  let line = base;
  for (const seg of segments) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair || !isScalar(pair.key) || !pair.key.range) return line;
      line = lineAt(pair.key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item?.range) return line;
      line = lineAt(item.range[0]);
      node = item;
    } else {
      return line;
    }
  }
  return line;
}

function fileProblem(file: string, line: number, message: string): Problem {
  return { file, line, kind: '', name: '', path: '', message };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message ?? String(err);
}
