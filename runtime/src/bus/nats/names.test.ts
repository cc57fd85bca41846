import { describe, expect, it } from 'vitest';
import { BusError } from '../types.ts';
import { Names, token } from './names.ts';

describe('token', () => {
  it.each([
    ['web', 'web'],
    ['meta-ads', 'meta-ads'],
    ['web.eu', 'web_2eeu'],
    ['Web', '_57eb'],
    ['a_b', 'a_5fb'],
    ['a b', 'a_20b'],
    ['é', '_c3_a9'],
    ['a*>', 'a_2a_3e'],
  ])('encodes %j as %j', (name, expected) => {
    expect(token(name)).toBe(expected);
  });

  it('keeps tokens valid in stream names, consumer names and subjects', () => {
    for (const name of ['web', 'web.eu', 'a/b\\c', 'x'.repeat(253), 'ü'.repeat(100), ' \t\n*>.']) {
      expect(token(name)).toMatch(/^[a-z0-9_-]{1,49}$/);
    }
  });

  it('is injective where it matters: dots, underscores and case never collide', () => {
    const names = ['web.eu', 'web_2eeu', 'web-eu', 'Web.eu', 'web__eu', 'web_eu'];
    expect(new Set(names.map(token)).size).toBe(names.length);
  });

  it('cuts long names to 49 characters with a digest, so distinct long names stay distinct', () => {
    const a = token(`${'a'.repeat(100)}-one`);
    const b = token(`${'a'.repeat(100)}-two`);
    expect(a).toHaveLength(49);
    expect(b).toHaveLength(49);
    expect(a).not.toBe(b);
    expect(a.startsWith('a'.repeat(32) + '_')).toBe(true);
    expect(token('a'.repeat(48))).toHaveLength(48);
  });

  it('never puts a double underscore inside a token, so `__` separates two', () => {
    for (const name of ['a__b', '_', '__', 'x'.repeat(300)]) expect(token(name)).not.toContain('__');
  });
});

describe('Names', () => {
  const n = new Names('SLUICE');
  const web = token('web');
  const hook = token('hook.eu');

  it('names streams, subjects and consumers from the prefix and tokens', () => {
    expect(n.sourceStream(web)).toBe('SLUICE_SRC_web');
    expect(n.quarantineStream(web)).toBe('SLUICE_QUAR_web');
    expect(n.deadLetterStream(hook)).toBe('SLUICE_DLQ_hook_2eeu');
    expect(n.eventSubject(web)).toBe('SLUICE.src.web');
    expect(n.replaySubject(web, hook)).toBe('SLUICE.rpl.web.hook_2eeu');
    expect(n.replaySubjects(web)).toBe('SLUICE.rpl.web.*');
    expect(n.deadLetterSubject(hook, web)).toBe('SLUICE.dlq.hook_2eeu.web');
    expect(n.consumer(hook, web)).toBe('hook_2eeu__web');
    expect(n.replayConsumer(hook, web)).toBe('hook_2eeu__web__replay');
  });

  it('reads the token back from stream names of its own prefix only', () => {
    expect(n.sourceOf('SLUICE_SRC_web')).toBe('web');
    expect(n.sourceOf('SLUICE_QUAR_web')).toBeUndefined();
    expect(n.sourceOf('OTHER_SRC_web')).toBeUndefined();
    expect(n.sourceOf('SLUICE-2_SRC_web')).toBeUndefined();
    expect(n.destinationOf('SLUICE_DLQ_hook_2eeu')).toBe('hook_2eeu');
    expect(n.destinationOf('SLUICE_SRC_web')).toBeUndefined();
  });

  it.each(['', 'a.b', 'a_b', 'a b', 'x'.repeat(33)])('refuses the prefix %j', (prefix) => {
    expect(() => new Names(prefix)).toThrow(BusError);
  });
});
