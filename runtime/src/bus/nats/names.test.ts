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

describe('Names in a namespace', () => {
  const a = new Names('SLUICE', 'shop-a');
  const b = new Names('SLUICE', 'shop-b');
  const local = new Names('SLUICE');
  const web = token('web');
  const hook = token('hook.eu');

  it('puts the namespace in every stream name and subject, not in consumer names', () => {
    expect(a.namespace).toBe('shop-a');
    expect(a.sourceStream(web)).toBe('SLUICE_SRC_shop-a__web');
    expect(a.quarantineStream(web)).toBe('SLUICE_QUAR_shop-a__web');
    expect(a.deadLetterStream(hook)).toBe('SLUICE_DLQ_shop-a__hook_2eeu');
    expect(a.eventSubject(web)).toBe('SLUICE.src.shop-a.web');
    expect(a.replaySubject(web, hook)).toBe('SLUICE.rpl.shop-a.web.hook_2eeu');
    expect(a.replaySubjects(web)).toBe('SLUICE.rpl.shop-a.web.*');
    expect(a.quarantineSubject(web)).toBe('SLUICE.quar.shop-a.web');
    expect(a.deadLetterSubject(hook, web)).toBe('SLUICE.dlq.shop-a.hook_2eeu.web');
    expect(a.deadLetterSubjects(hook)).toBe('SLUICE.dlq.shop-a.hook_2eeu.*');
    expect(a.allEvents).toBe('SLUICE.src.shop-a.*');
    expect(a.allDeadLetters).toBe('SLUICE.dlq.shop-a.*.*');
    expect(a.consumer(hook, web)).toBe('hook_2eeu__web');
  });

  it('gives the same Source name in two namespaces, and outside any, different streams and subjects', () => {
    const of = (n: Names) => [n.sourceStream(web), n.quarantineStream(web), n.deadLetterStream(hook), n.eventSubject(web), n.quarantineSubject(web), n.deadLetterSubject(hook, web)];
    const all = [...of(a), ...of(b), ...of(local)];
    expect(new Set(all).size).toBe(all.length);
  });

  it("lists only its own namespace's streams: its wildcards match no other layout's subjects", () => {
    expect(local.allEvents).toBe('SLUICE.src.*');
    expect(local.allDeadLetters).toBe('SLUICE.dlq.*.*');
    // One token more or fewer, so `*` never spans the namespace level.
    expect(a.eventSubject(web).split('.')).toHaveLength(local.eventSubject(web).split('.').length + 1);
    expect(a.deadLetterSubject(hook, web).split('.')).toHaveLength(local.deadLetterSubject(hook, web).split('.').length + 1);
  });

  it('reads the token back only from its own namespace', () => {
    expect(a.sourceOf('SLUICE_SRC_shop-a__web')).toBe('web');
    expect(a.sourceOf('SLUICE_SRC_shop-b__web')).toBeUndefined();
    expect(a.sourceOf('SLUICE_SRC_web')).toBeUndefined();
    expect(a.destinationOf('SLUICE_DLQ_shop-a__hook_2eeu')).toBe('hook_2eeu');
    expect(b.destinationOf('SLUICE_DLQ_shop-a__hook_2eeu')).toBeUndefined();
  });

  it('escapes the namespace like any name and keeps long ones short', () => {
    const odd = new Names('SLUICE', 'a.b');
    expect(odd.sourceStream(web)).toBe('SLUICE_SRC_a_2eb__web');
    const long = new Names('SLUICE', 'n'.repeat(63));
    expect(long.sourceStream(web).length).toBeLessThanOrEqual('SLUICE_SRC_'.length + 49 + 2 + 3);
  });

  it.each(['', 'x'.repeat(64)])('refuses the namespace %j', (ns) => {
    expect(() => new Names('SLUICE', ns)).toThrow(BusError);
  });
});
