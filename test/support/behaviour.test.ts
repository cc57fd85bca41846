import { describe, expect, it } from 'vitest';
import { decide, type Behaviour, type BehaviourState } from './behaviour.ts';

const at = (behaviour: Behaviour, since: number, served: number): BehaviourState => ({ behaviour, since, served });

describe('receiver behaviour', () => {
  const cases: Array<{ name: string; state: BehaviourState; now: number; status: number; hold?: boolean; delayMs?: number; served: number }> = [
    { name: 'ok answers 200', state: at({ kind: 'ok' }, 0, 0), now: 5, status: 200, served: 1 },
    { name: 'fail answers its status', state: at({ kind: 'fail', status: 503 }, 0, 7), now: 5, status: 503, served: 8 },
    { name: 'fail for 100 ms, inside the window', state: at({ kind: 'fail', status: 503, forMs: 100 }, 0, 3), now: 99, status: 503, served: 4 },
    { name: 'fail for 100 ms, after it reverts to ok', state: at({ kind: 'fail', status: 503, forMs: 100 }, 0, 3), now: 100, status: 200, served: 1 },
    { name: 'fail for 2 requests, the second', state: at({ kind: 'fail', status: 429, forRequests: 2 }, 0, 1), now: 1, status: 429, served: 2 },
    { name: 'fail for 2 requests, the third is ok', state: at({ kind: 'fail', status: 429, forRequests: 2 }, 0, 2), now: 1, status: 200, served: 1 },
    { name: 'slow delays its answer', state: at({ kind: 'slow', delayMs: 250 }, 0, 0), now: 1, status: 200, delayMs: 250, served: 1 },
    { name: 'hold answers nothing and does not count', state: at({ kind: 'hold' }, 0, 0), now: 1, status: 0, hold: true, served: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decide(c.state, c.now);
      expect(d.status).toBe(c.status);
      expect(d.hold).toBe(c.hold ?? false);
      expect(d.delayMs).toBe(c.delayMs ?? 0);
      expect(d.next.served).toBe(c.served);
    });
  }

  it('a failing answer carries the configured body and headers', () => {
    const d = decide(at({ kind: 'fail', status: 400, body: '{"error":"bad pixel"}', headers: { 'retry-after': '1' } }, 0, 0), 0);
    expect(d.body).toBe('{"error":"bad pixel"}');
    expect(d.headers).toEqual({ 'retry-after': '1' });
  });
});
