// Scenario 3 on the cluster data plane: every event an ingest pod acknowledged reaches the
// webhook through SIGKILLed ingest and delivery processes, a nats-server restart and a
// webhook outage; duplicates are counted and printed. A short load here; `make e2e-long`
// runs the full minute (SLUICE_E2E_LOAD_SECONDS and friends, see faults.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './env.ts';
import { faultOptionsFromEnv, LOAD_BATCH, runFaultScenario, type FaultReport } from './faults.ts';

const options = faultOptionsFromEnv({ loadSeconds: 15, eventsPerSec: 2_000, outageSeconds: 5 });
let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
}, 120_000);

describe('faults under load, end to end', () => {
  it(
    'delivers every acknowledged event through process kills, a NATS restart and a webhook outage',
    async () => {
      const ns = await e2e.namespace('faults');
      let report: FaultReport | undefined;
      try {
        report = await runFaultScenario(e2e, ns, { ...options, log: (l) => console.log(`[faults] ${l}`) });
      } finally {
        if (!report || report.missing.length > 0) console.log(e2e.diagnostics());
      }
      const { missing, timeline, ...figures } = report;
      console.log(`[faults] ${JSON.stringify({ ...figures, missing: missing.length })}`);

      expect(report.load.sent).toBe(LOAD_BATCH * Math.floor((options.loadSeconds * options.eventsPerSec) / LOAD_BATCH));
      expect(report.load.abandoned, 'batches the load generator gave up on').toBe(0);
      expect(report.load.acked).toBe(report.load.sent);
      expect(missing.slice(0, 10), `${missing.length} acknowledged events not delivered; ${timeline.join('; ')}`).toEqual([]);
      expect(report.delivered).toBeGreaterThanOrEqual(report.load.acked);
      expect(report.ingestRestarts).toBeGreaterThanOrEqual(1);
      expect(report.deliverRestarts).toBeGreaterThanOrEqual(1);
      // The request the killed delivery process was waiting on is sent again: at least once.
      expect(report.duplicates).toBeGreaterThan(0);
    },
    60_000 + (options.loadSeconds + options.outageSeconds) * 1_000 + options.drainTimeoutMs + 60_000,
  );
});
