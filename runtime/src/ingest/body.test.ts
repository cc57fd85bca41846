import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IngestError } from './codes.ts';
import { decodeBody } from './body.ts';

const json = Buffer.from(JSON.stringify({ batch: [{ type: 'track', event: 'x', userId: 'u' }] }));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof IngestError ? err.code : `unexpected ${String(err)}`;
  }
}

describe('decodeBody', () => {
  it('passes identity bodies through', async () => {
    expect(await decodeBody(json, undefined, 1000)).toBe(json);
    expect(await decodeBody(json, 'identity', 1000)).toBe(json);
  });

  it('inflates gzip, zlib deflate and raw deflate', async () => {
    expect((await decodeBody(gzipSync(json), 'gzip', 1000)).equals(json)).toBe(true);
    expect((await decodeBody(gzipSync(json), ' GZIP ', 1000)).equals(json)).toBe(true);
    expect((await decodeBody(deflateSync(json), 'deflate', 1000)).equals(json)).toBe(true);
    expect((await decodeBody(deflateRawSync(json), 'deflate', 1000)).equals(json)).toBe(true);
  });

  it('refuses a gzip bomb without inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    expect(await code(decodeBody(bomb, 'gzip', 512_000))).toBe('request_too_large');
    expect(performance.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('caps the inflated size exactly', async () => {
    const body = Buffer.alloc(2000, 0x20);
    expect(await code(decodeBody(gzipSync(body), 'gzip', 2000))).toBe('ok');
    expect(await code(decodeBody(gzipSync(body), 'gzip', 1999))).toBe('request_too_large');
  });

  it('says so when the body is not what the encoding claims', async () => {
    expect(await code(decodeBody(json, 'gzip', 1000))).toBe('bad_encoding');
    expect(await code(decodeBody(json, 'deflate', 1000))).toBe('bad_encoding');
    expect(await code(decodeBody(json, 'br', 1000))).toBe('unsupported_encoding');
  });
});
