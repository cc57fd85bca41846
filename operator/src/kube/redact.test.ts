import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from './redact.ts';

describe('Redactor', () => {
  it.each([
    ['plain value', 'write key wk_live_123 rejected', `write key ${REDACTED} rejected`],
    ['base64 form', `data: ${Buffer.from('wk_live_123').toString('base64')}`, `data: ${REDACTED}`],
    ['every occurrence', 'wk_live_123/wk_live_123', `${REDACTED}/${REDACTED}`],
    ['the longer secret masked whole', 'token wk_live_123456', `token ${REDACTED}`],
    ['nothing secret', 'Secret web-key not found', 'Secret web-key not found'],
    ['short values are not remembered', 'abc is fine', 'abc is fine'],
  ])('%s', (_what, text, want) => {
    const r = new Redactor();
    for (const v of ['wk_live_123', 'wk_live_123456', 'abc']) r.remember(v);
    expect(r.redact(text)).toBe(want);
  });

  it('forgets the oldest values past its bound', () => {
    const r = new Redactor({ max: 2 });
    r.remember('first-secret');
    r.remember('second-secret');
    expect(r.redact('first-secret')).toBe('first-secret');
    expect(r.redact('second-secret')).toBe(REDACTED);
  });
});
