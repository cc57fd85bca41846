/**
 * The CEL library predeclares `type` (the type of types), so a bare `type` in an
 * expression would never see the event's `type` field and `type == "track"` would
 * always be false. Such references are renamed to an alias of the same length before
 * parsing, which keeps every error position valid for the text the user wrote.
 */
export const TYPE_ALIAS = '_ty_';

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const STRING_PREFIX = /^[rRbB]{1,2}$/;

/**
 * Renames each standalone `type` identifier to TYPE_ALIAS. Left alone: `type` inside
 * string literals and comments, field selections (`x.type`, `x.?type`) and calls of
 * the conversion function (`type(x)`).
 */
export function aliasTypeIdentifier(expr: string): string {
  if (!expr.includes('type')) return expr;
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '/' && expr[i + 1] === '/') {
      const end = expr.indexOf('\n', i);
      const stop = end < 0 ? expr.length : end;
      out += expr.slice(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const stop = endOfString(expr, i, false);
      out += expr.slice(i, stop);
      i = stop;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < expr.length && IDENT_PART.test(expr[j]!)) j++;
      const word = expr.slice(i, j);
      const next = expr[j];
      if (STRING_PREFIX.test(word) && (next === '"' || next === "'")) {
        const stop = endOfString(expr, j, /r/i.test(word));
        out += expr.slice(i, stop);
        i = stop;
        continue;
      }
      out += word === 'type' && !isSelected(expr, i) && !isCalled(expr, j) ? TYPE_ALIAS : word;
      i = j;
    } else if (c >= '0' && c <= '9') {
      // A number literal (1e3, 0x1F, 2u): its letters are not identifiers.
      let j = i + 1;
      while (j < expr.length && IDENT_PART.test(expr[j]!)) j++;
      out += expr.slice(i, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the string literal whose opening quote is at `start`. */
function endOfString(expr: string, start: number, raw: boolean): number {
  const q = expr[start]!;
  const triple = expr.startsWith(q.repeat(3), start);
  const close = triple ? q.repeat(3) : q;
  let i = start + close.length;
  while (i < expr.length) {
    if (!raw && expr[i] === '\\') {
      i += 2;
      continue;
    }
    if (expr.startsWith(close, i)) return i + close.length;
    if (!triple && expr[i] === '\n') return i;
    i++;
  }
  return expr.length;
}

function isSelected(expr: string, identStart: number): boolean {
  let k = identStart - 1;
  while (k >= 0 && /\s/.test(expr[k]!)) k--;
  if (expr[k] === '?') k--;
  return expr[k] === '.';
}

function isCalled(expr: string, identEnd: number): boolean {
  let k = identEnd;
  while (k < expr.length && /\s/.test(expr[k]!)) k++;
  return expr[k] === '(';
}
