import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { writeManifests } from './manifests.ts';
import { startReceiver, type Receiver, type ReceiverOptions } from './receiver.ts';
import { startSluice, type Sluice, type SluiceOptions } from './sluice.ts';

export interface Harness {
  /** Starts `sluice run`; temp dirs it needs are created here and removed afterwards. */
  sluice(opts: SluiceOptions): Promise<Sluice>;
  receiver(opts?: ReceiverOptions): Promise<Receiver>;
  tempDir(prefix?: string): string;
  /** Runs `fn` at cleanup, after the servers stop. */
  defer(fn: () => unknown): void;
}

/**
 * Everything a test file starts, stopped for it: after each test (`scope: 'each'`) or
 * after the file (`'all'`), whether the tests passed or not. When a test fails, the last
 * output of every Sluice process still running is printed to help read the failure.
 */
export function useHarness(opts: { scope?: 'each' | 'all' } = {}): Harness {
  let stops: Array<() => Promise<unknown>> = [];
  let later: Array<() => unknown> = [];
  const running = new Set<Sluice>();

  const cleanup = async () => {
    const [s, l] = [stops, later];
    stops = [];
    later = [];
    const errors: unknown[] = [];
    for (const stop of s.reverse()) await stop().catch((e: unknown) => errors.push(e));
    for (const fn of l.reverse()) {
      try {
        await fn();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `cleaning up after the test: ${errors.length} step(s) failed`);
  };

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      for (const s of running) console.error(`sluice on ${s.url} (data ${s.dataDir}):\n${s.output(80)}`);
    }
  });
  if (opts.scope === 'each') afterEach(cleanup);
  else afterAll(cleanup);

  const tempDir = (prefix = 'sluice-test-') => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    later.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  return {
    async sluice(sOpts) {
      const manifests = typeof sOpts.manifests === 'string' ? sOpts.manifests : writeManifests(tempDir('sluice-manifests-'), sOpts.manifests);
      const s = await startSluice({ ...sOpts, manifests, dataDir: sOpts.dataDir ?? tempDir('sluice-data-') });
      running.add(s);
      void s.exited.then(() => running.delete(s));
      stops.push(() => s.stop(5000));
      return s;
    },
    async receiver(rOpts) {
      const r = await startReceiver(rOpts);
      stops.push(() => r.close());
      return r;
    },
    tempDir,
    defer(fn) {
      later.push(fn);
    },
  };
}
