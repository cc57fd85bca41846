import type { IncomingMessage } from 'node:http';
import { gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import { IngestError } from './codes.ts';

/** The client went away mid-request: there is nobody to answer. */
export class ClientGone extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'ClientGone';
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads the raw body, keeping at most `limit` bytes (compressed bodies are never larger than
 * what they inflate to within the same limit, so one cap serves both). A body somewhat over
 * the limit is read to its end and thrown away, so the client gets its 400 on a healthy
 * connection (SDKs retry network errors forever but drop on 400); beyond `drainLimit` the
 * answer goes out at once and the connection is closed.
 */
export function readBody(req: IncomingMessage, limit: number, drainLimit = limit * 4): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > drainLimit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > drainLimit) {
        cleanup();
        reject(tooLarge(limit));
      } else chunks = [];
    };
    const onEnd = () => {
      cleanup();
      if (size > limit) reject(tooLarge(limit));
      else resolve(chunks.length === 1 ? chunks[0]! : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size));
    };
    const onGone = (err?: Error) => {
      cleanup();
      reject(new ClientGone('reading the request body: the client closed the connection', { cause: err }));
    };
    const onClose = () => {
      if (!req.complete) onGone();
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onClose);
  });
}

/**
 * Undoes Content-Encoding with the inflated size capped: zlib stops at `limit` bytes of
 * output, so a gzip bomb costs at most `limit` bytes of work and memory.
 */
export function decodeBody(raw: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = encoding?.trim().toLowerCase();
  if (enc === undefined || enc === '' || enc === 'identity') return Promise.resolve(raw);
  const opts: ZlibOptions = { maxOutputLength: limit };
  if (enc === 'gzip' || enc === 'x-gzip') return inflateWith(gunzip, raw, opts, limit, 'gzip');
  if (enc === 'deflate') {
    // RFC 9110 deflate is zlib-wrapped, but some clients send raw deflate: try both.
    return inflateWith(inflate, raw, opts, limit, 'deflate').catch((err: unknown) => {
      if (err instanceof IngestError && err.code === 'bad_encoding') return inflateWith(inflateRaw, raw, opts, limit, 'deflate');
      throw err;
    });
  }
  return Promise.reject(new IngestError('unsupported_encoding', `reading the body: Content-Encoding "${enc.slice(0, 40)}" is not supported; use gzip, deflate or none`));
}

type Inflater = (buf: Buffer, opts: ZlibOptions, cb: (err: Error | null, out: Buffer) => void) => void;

function inflateWith(fn: Inflater, raw: Buffer, opts: ZlibOptions, limit: number, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fn(raw, opts, (err, out) => {
      if (!err) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(tooLarge(limit, err));
      else reject(new IngestError('bad_encoding', `decompressing the ${name} body: ${err.message}`, { cause: err }));
    });
  });
}

function tooLarge(limit: number, cause?: unknown): IngestError {
  return new IngestError('request_too_large', `reading the body: it exceeds ${limit} bytes (decompressed)`, { cause });
}
