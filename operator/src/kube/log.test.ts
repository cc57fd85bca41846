import { describe, expect, it } from 'vitest';
import { KubeApiError } from './errors.ts';
import { jsonLogger } from './log.ts';

describe('jsonLogger', () => {
  it('writes one JSON object per line with base fields, child fields and errors unwrapped', () => {
    const lines: string[] = [];
    const log = jsonLogger({ write: (l) => lines.push(l), now: () => new Date('2026-01-01T00:00:00Z') }, { app: 'op' });
    const err = new Error('reconciling ns/web: applying Deployment', { cause: new KubeApiError('PATCH …: conflict', 409, 'Conflict') });
    log.child({ controller: 'source' }).error('reconcile failed', { key: 'ns/web', err });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-01-01T00:00:00.000Z',
      level: 'error',
      msg: 'reconcile failed',
      app: 'op',
      controller: 'source',
      key: 'ns/web',
      err: { name: 'Error', message: 'reconciling ns/web: applying Deployment', cause: { name: 'KubeApiError', message: 'PATCH …: conflict', status: 409 } },
    });
  });

  it('drops records below the level', () => {
    const lines: string[] = [];
    const log = jsonLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('x');
    log.debug('y');
    log.warn('z');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['z']);
  });
});
