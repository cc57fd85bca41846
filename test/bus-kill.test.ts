import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedBus } from '../runtime/src/bus/embedded.ts';
import { BATCH, batchEvents } from './support/bus-writer.ts';

const WRITER = resolve(import.meta.dirname, 'support/bus-writer.ts');

describe('embedded bus durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bus-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged event exactly once when the writer is killed with SIGKILL mid-stream', async () => {
    const path = join(dir, 'bus.db');
    const child = spawn(process.execPath, [WRITER, path, 'web', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((done) => child.on('exit', (code, signal) => done(signal ?? code)));

    const acked = new Set<number>();
    const killAfter = 40 + Math.floor(Math.random() * 40);
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^ack (\d+)$/.exec(line);
      if (m) acked.add(Number(m[1]));
      if (acked.size >= killAfter) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited, stderr).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(killAfter);

    const bus = await openEmbeddedBus({ path });
    try {
      const sub = await bus.subscribe('check', 'web', { startFrom: { kind: 'time', time: new Date(0) }, ackWaitMs: 60_000 });
      const seen = new Map<string, number>();
      for (;;) {
        const got = await sub.fetch(1_000, 0);
        if (got.length === 0) break;
        for (const d of got) seen.set(d.event.messageId, (seen.get(d.event.messageId) ?? 0) + 1);
        await Promise.all(got.map((d) => d.ack()));
      }
      for (const b of acked) {
        for (const e of batchEvents(b)) expect(seen.get(e.messageId), `event ${e.messageId} of acknowledged batch ${b}`).toBe(1);
      }
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(seen.size).toBeGreaterThanOrEqual(acked.size * BATCH);

      // The SDKs retry what they were not sure of: every acknowledged event comes back a duplicate.
      const retried = await Promise.all([...acked].map((b) => bus.publish('web', batchEvents(b))));
      expect(retried.reduce((n, r) => n + r.stored, 0)).toBe(0);
    } finally {
      await bus.close();
    }
  });
});
