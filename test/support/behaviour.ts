/** How the webhook receiver answers; `fail` reverts to `ok` after `forMs` or `forRequests`. */
export type Behaviour =
  | { kind: 'ok'; delayMs?: number }
  | { kind: 'slow'; delayMs: number; status?: number }
  | {
      kind: 'fail';
      status: number;
      body?: string;
      headers?: Record<string, string>;
      forMs?: number;
      forRequests?: number;
      delayMs?: number;
    }
  /** Keep requests unanswered until the behaviour changes; they are then answered under the new one. */
  | { kind: 'hold' };

export interface BehaviourState {
  behaviour: Behaviour;
  /** When this behaviour was set (ms since epoch). */
  since: number;
  /** Requests answered under it so far. */
  served: number;
}

export interface Decision {
  hold: boolean;
  status: number;
  body: string;
  headers: Record<string, string>;
  delayMs: number;
  next: BehaviourState;
}

const OK_BODY = '{"ok":true}';

/** Decides the answer to one request and the receiver's next state. Pure. */
export function decide(state: BehaviourState, now: number): Decision {
  const current: BehaviourState = expired(state, now) ? { behaviour: { kind: 'ok' }, since: now, served: 0 } : state;
  const b = current.behaviour;
  const next = { ...current, served: current.served + 1 };
  switch (b.kind) {
    case 'hold':
      return { hold: true, status: 0, body: '', headers: {}, delayMs: 0, next: current };
    case 'ok':
      return { hold: false, status: 200, body: OK_BODY, headers: {}, delayMs: b.delayMs ?? 0, next };
    case 'slow':
      return { hold: false, status: b.status ?? 200, body: OK_BODY, headers: {}, delayMs: b.delayMs, next };
    case 'fail':
      return {
        hold: false,
        status: b.status,
        body: b.body ?? JSON.stringify({ error: `receiver answering ${b.status}` }),
        headers: b.headers ?? {},
        delayMs: b.delayMs ?? 0,
        next,
      };
  }
}

function expired(state: BehaviourState, now: number): boolean {
  const b = state.behaviour;
  if (b.kind !== 'fail') return false;
  if (b.forMs !== undefined && now - state.since >= b.forMs) return true;
  return b.forRequests !== undefined && state.served >= b.forRequests;
}
