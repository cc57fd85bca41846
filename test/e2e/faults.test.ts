// Scenario 3 on the cluster data plane: every event an ingest pod acknowledged reaches the
// webhook through SIGKILLed ingest and delivery processes, a nats-server restart and a
// webhook outage; duplicates are counted and printed. A short load here; `make e2e-long`
// runs the full minute (SLUICE_E2E_LOAD_SECONDS and friends, see faults.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './env.ts';
import { DESTINATION, faultOptionsFromEnv, LOAD_BATCH, runFaultScenario, type FaultReport } from './faults.ts';

// The outage outlasts the load: the killed delivery process's events return only after the
// ack wait (30 s) anyway, and the operator needs a few seconds to see the webhook failing.
const options = faultOptionsFromEnv({ loadSeconds: 15, eventsPerSec: 2_000, outageSeconds: 15 });
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
      const { missing, timeline, source, destination, ...figures } = report;
      console.log(`[faults] ${JSON.stringify({ ...figures, missing: missing.length })}`);
      console.log(`[faults] status ${JSON.stringify({ source, destination })}`);

      expect(report.load.sent).toBe(LOAD_BATCH * Math.floor((options.loadSeconds * options.eventsPerSec) / LOAD_BATCH));
      expect(report.load.abandoned, 'batches the load generator gave up on').toBe(0);
      expect(report.load.acked).toBe(report.load.sent);
      expect(missing.slice(0, 10), `${missing.length} acknowledged events not delivered; ${timeline.join('; ')}`).toEqual([]);
      expect(report.delivered).toBeGreaterThanOrEqual(report.load.acked);
      expect(report.ingestRestarts).toBeGreaterThanOrEqual(1);
      expect(report.deliverRestarts).toBeGreaterThanOrEqual(1);
      // The request the killed delivery process was waiting on is sent again: at least once.
      expect(report.duplicates).toBeGreaterThan(0);

      // Status: the outage was seen and is over; what failed last is named.
      expect(report.delivering).toContain('False:DeliveryFailing');
      expect(report.delivering.at(-1)).toBe('True:Delivering');
      expect(destination).toMatchObject({ lag: 0, deadLettered: 0 });
      expect(destination?.lastError).toMatchObject({ code: 'ECONNREFUSED', messageId: expect.stringMatching(/^storm-/) as unknown });
      expect(destination?.delivered).toBeGreaterThan(0);
      // Counts of a SIGKILLed pod since its last report are lost: status is a lower bound.
      expect(source?.accepted).toBeGreaterThan(0);
      expect(source?.accepted).toBeLessThanOrEqual(report.load.acked);
      expect(source?.conditions?.find((c) => c.type === 'EventsFlowing')).toMatchObject({ status: 'True' });
      const events = await e2e.get<{ items: Array<{ reason?: string; regarding?: { name?: string } }> }>(ns, 'events.events.k8s.io');
      const reasons = (events?.items ?? []).filter((e) => e.regarding?.name === DESTINATION).map((e) => e.reason);
      expect(reasons).toEqual(expect.arrayContaining(['DeliveryFailing', 'DeliveryRecovered']));
    },
    60_000 + (options.loadSeconds + options.outageSeconds) * 1_000 + options.drainTimeoutMs + 60_000,
  );
});
