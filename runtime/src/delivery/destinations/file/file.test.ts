import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutboundEvent } from '../../types.ts';
import { file, jsonLines } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-file-dest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const out = (id: string): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', messageId: id, timestamp: 't', receivedAt: 't' },
  payload: { messageId: id, text: 'line\nbreak' },
});
const signal = new AbortController().signal;

describe('file destination', () => {
  it('writes one JSON document per line', () => {
    expect(jsonLines([out('a'), out('b')])).toBe('{"messageId":"a","text":"line\\nbreak"}\n{"messageId":"b","text":"line\\nbreak"}\n');
  });

  it('appends batches, creating the directory, without interleaving concurrent batches', async () => {
    const path = join(dir, 'nested', 'events.jsonl');
    const client = file.create({ name: 'f', settings: { path }, credentials: {}, timeoutMs: 1000 });
    const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 50 }, (_, i) => out(`${b}-${i}`)));
    const results = await Promise.all(batches.map((batch) => client.send(batch, signal)));
    expect(results.flat().every((r) => r.ok)).toBe(true);
    await client.close?.();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1000);
    const ids = lines.map((l) => (JSON.parse(l) as { messageId: string }).messageId);
    expect(new Set(ids).size).toBe(1000);
    // Each batch's lines are contiguous.
    for (let b = 0; b < 20; b++) {
      const first = ids.indexOf(`${b}-0`);
      expect(ids.slice(first, first + 50)).toEqual(batches[b]!.map((e) => e.messageId));
    }
  });

  it('keeps what the file already holds', async () => {
    const path = join(dir, 'existing.jsonl');
    writeFileSync(path, '{"old":true}\n');
    const client = file.create({ name: 'f', settings: { path }, credentials: {}, timeoutMs: 1000 });
    await client.send([out('new')], signal);
    await client.close?.();
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('{"old":true}');
  });

  it('reports a retryable error per event when the file cannot be written', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const client = file.create({ name: 'f', settings: { path: join(blocker, 'events.jsonl') }, credentials: {}, timeoutMs: 1000 });
    const results = await client.send([out('a'), out('b')], signal);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.retryable).toBe(true);
        expect(r.error.message).toContain('appending to');
      }
    }
    await client.close?.();
  });
});
