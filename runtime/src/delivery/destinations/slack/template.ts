/*
 * Message templates: text with placeholders that read fields of the event.
 *
 *   {{event}} by {{userId | anonymousId | "someone"}}: {{properties.revenue}}
 *
 * A placeholder holds alternatives separated by "|": dotted paths (array items by index,
 * properties.items.0.sku) or quoted text. The first alternative with a value is written;
 * none writes nothing. There is nothing to evaluate, so a template cannot run code or
 * reach anything but the event's own fields. `{{"{{"}}` writes literal braces.
 */

export const MAX_TEMPLATE_LENGTH = 4000;
export const MAX_PLACEHOLDERS = 100;
export const MAX_PATH_SEGMENTS = 16;
/** Longest text one placeholder writes (an object dumped as JSON, a long description). */
export const MAX_VALUE_LENGTH = 2000;

export class TemplateError extends Error {
  /** 1-based column of the problem in the template. */
  readonly column: number;
  constructor(reason: string, column: number) {
    super(`compiling the message template: ${reason} at column ${column}`);
    this.name = 'TemplateError';
    this.column = column;
  }
}

type Alternative = { path: readonly string[] } | { text: string };
type Part = string | readonly Alternative[];

/** A compiled template; `escape` is applied to values read from the event, never to the template's own text. */
export type Template = (data: unknown, escape?: (s: string) => string) => string;

const SEGMENT = /^[A-Za-z0-9_$@-]+$/;

export function compileTemplate(source: string): Template {
  if (source.length > MAX_TEMPLATE_LENGTH) throw new TemplateError(`the template is ${source.length} characters long; at most ${MAX_TEMPLATE_LENGTH} are allowed`, MAX_TEMPLATE_LENGTH + 1);
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  let placeholders = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, open);
    const { alternatives, end } = parsePlaceholder(source, open + 2);
    if (++placeholders > MAX_PLACEHOLDERS) throw new TemplateError(`more than ${MAX_PLACEHOLDERS} placeholders`, open + 1);
    // A placeholder of quoted text only is literal text.
    const only = alternatives.length === 1 ? alternatives[0] : undefined;
    if (only && 'text' in only) text += only.text;
    else {
      if (text) parts.push(text);
      text = '';
      parts.push(alternatives);
    }
    i = end;
  }
  if (text) parts.push(text);
  return (data, escape = (s) => s) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : renderAlternatives(part, data, escape);
    return out;
  };
}

/** Reads `a | b.c | "text"` from just after `{{` up to `}}`; returns the position after `}}`. */
function parsePlaceholder(source: string, start: number): { alternatives: Alternative[]; end: number } {
  const alternatives: Alternative[] = [];
  let i = start;
  const skipSpace = () => {
    while (source[i] === ' ' || source[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    if (i >= source.length) throw new TemplateError('"{{" is never closed by "}}"', start - 1);
    if (source[i] === '"') {
      const { value, end } = readQuoted(source, i);
      alternatives.push({ text: value });
      i = end;
    } else {
      const from = i;
      while (i < source.length && /[A-Za-z0-9_$@.-]/.test(source[i]!)) i++;
      const path = source.slice(from, i);
      if (path === '') throw new TemplateError(`expected a field path or "quoted text", found ${JSON.stringify(source.slice(i, i + 8))}`, i + 1);
      const segments = path.split('.');
      if (segments.some((s) => !SEGMENT.test(s))) throw new TemplateError(`"${path}" is not a dotted path such as properties.revenue`, from + 1);
      if (segments.length > MAX_PATH_SEGMENTS) throw new TemplateError(`"${path}" is deeper than ${MAX_PATH_SEGMENTS} fields`, from + 1);
      alternatives.push({ path: segments });
    }
    skipSpace();
    if (source.startsWith('}}', i)) return { alternatives, end: i + 2 };
    if (source[i] === '|') {
      i++;
      continue;
    }
    if (i >= source.length) throw new TemplateError('"{{" is never closed by "}}"', start - 1);
    throw new TemplateError(`expected "|" or "}}", found ${JSON.stringify(source[i])}`, i + 1);
  }
}

/** A JSON-style string literal starting at `start` (the opening quote). */
function readQuoted(source: string, start: number): { value: string; end: number } {
  let i = start + 1;
  while (i < source.length && source[i] !== '"') i += source[i] === '\\' ? 2 : 1;
  if (i >= source.length) throw new TemplateError('quoted text is never closed', start + 1);
  try {
    return { value: JSON.parse(source.slice(start, i + 1)) as string, end: i + 1 };
  } catch {
    throw new TemplateError('quoted text has an invalid escape', start + 1);
  }
}

function renderAlternatives(alternatives: readonly Alternative[], data: unknown, escape: (s: string) => string): string {
  for (const alt of alternatives) {
    if ('text' in alt) return alt.text;
    const text = formatValue(lookup(data, alt.path));
    if (text !== '') return escape(text);
  }
  return '';
}

/** The value at a path through own fields only: no prototype, no getters of built-ins. */
export function lookup(data: unknown, path: readonly string[]): unknown {
  let cur = data;
  for (const key of path) {
    if (Array.isArray(cur)) {
      if (!/^[0-9]+$/.test(key)) return undefined;
      cur = cur[Number(key)];
    } else if (typeof cur === 'object' && cur !== null && Object.hasOwn(cur, key)) {
      cur = (cur as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Text for a value: strings as they are, numbers and booleans printed, objects as JSON; nothing for null. */
export function formatValue(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : '';
  else if (typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
  else if (typeof v === 'object') s = json(v);
  else return '';
  return s.length > MAX_VALUE_LENGTH ? `${s.slice(0, MAX_VALUE_LENGTH - 1)}…` : s;
}

function json(v: object): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    // A bigint or a cycle: only a function's output can hold one, and it has no text form.
    return '';
  }
}
