const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const BATCH = Buffer.from('"batch"');

export interface ScanResult {
  /** Nesting went past maxDepth; the scan stopped there. */
  tooDeep: boolean;
  /**
   * Byte size, as sent, of each object or array inside the top-level `batch` array, by
   * position (0 for scalars); undefined when there is no such array.
   */
  itemBytes: number[] | undefined;
}

/**
 * One pass over the raw JSON, before parsing it: refuses deep nesting (JSON.parse has no
 * depth limit) and measures each batch item as sent, so the per-event size limit costs no
 * re-serialisation. It trusts JSON.parse to reject malformed text afterwards.
 */
export function scanJson(buf: Buffer, maxDepth: number): ScanResult {
  let depth = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let inBatch = false;
  let element = 0;
  let itemStart = -1;
  let itemBytes: number[] | undefined;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      const end = stringEnd(buf, i);
      if (depth === 1) {
        keyStart = i;
        keyEnd = end;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth > maxDepth) return { tooDeep: true, itemBytes };
      if (depth === 2 && c === OPEN_ARRAY && isBatchKey(buf, keyStart, keyEnd)) {
        inBatch = true;
        element = 0;
        itemBytes = [];
      } else if (depth === 3 && inBatch) {
        itemStart = i;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === 3 && inBatch && itemStart >= 0) {
        itemBytes![element] = i - itemStart + 1;
        itemStart = -1;
      } else if (depth === 2 && inBatch) {
        inBatch = false;
      }
      depth--;
    } else if (c === COMMA && depth === 2 && inBatch) {
      element++;
      itemBytes![element] = 0;
    }
  }
  if (itemBytes && itemBytes.length > 0 && itemBytes[0] === undefined) itemBytes[0] = 0;
  return { tooDeep: false, itemBytes };
}

/** Index of the quote closing the string opened at `start` (or the last byte when unterminated). */
function stringEnd(buf: Buffer, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, from);
    if (q < 0) return buf.length - 1;
    let backslashes = 0;
    for (let j = q - 1; j > start && buf[j] === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}

function isBatchKey(buf: Buffer, start: number, end: number): boolean {
  if (end - start + 1 !== BATCH.length) return false;
  for (let k = 0; k < BATCH.length; k++) if (buf[start + k] !== BATCH[k]) return false;
  return true;
}
