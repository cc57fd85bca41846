import { describe, expect, it } from 'vitest';
import { Cache, relistDeltas } from './cache.ts';
import type { ConfigMap } from './types.ts';

const cm = (name: string, rv: string, refs: string[] = [], uid = `uid-${name}`): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv, uid, annotations: { refs: refs.join(',') } },
});
const refsOf = (o: ConfigMap) => (o.metadata.annotations?.refs ? o.metadata.annotations.refs.split(',').map((r) => `ns/${r}`) : []);

describe('Cache', () => {
  it('keeps indexes current through upserts and removals', () => {
    const c = new Cache<ConfigMap>();
    c.addIndex('refs', refsOf);
    c.upsert(cm('a', '1', ['s1', 's2']));
    c.upsert(cm('b', '1', ['s2']));
    expect(c.byIndex('refs', 'ns/s2').map((o) => o.metadata.name).sort()).toEqual(['a', 'b']);
    c.upsert(cm('a', '2', ['s3']));
    expect(c.byIndex('refs', 'ns/s1')).toEqual([]);
    expect(c.byIndex('refs', 'ns/s2').map((o) => o.metadata.name)).toEqual(['b']);
    expect(c.byIndex('refs', 'ns/s3').map((o) => o.metadata.name)).toEqual(['a']);
    c.remove('ns/b');
    expect(c.byIndex('refs', 'ns/s2')).toEqual([]);
    expect(c.keys()).toEqual(['ns/a']);
  });

  it('indexes objects already cached when an index is added later', () => {
    const c = new Cache<ConfigMap>();
    c.upsert(cm('a', '1', ['s1']));
    c.addIndex('refs', refsOf);
    expect(c.byIndex('refs', 'ns/s1')).toHaveLength(1);
    expect(() => c.addIndex('refs', refsOf)).toThrow(/already exists/);
    expect(() => c.byIndex('nope', 'x')).toThrow(/no such index/);
  });
});

describe('relistDeltas', () => {
  it.each([
    ['nothing changed', [cm('a', '1')], [cm('a', '1')], []],
    ['new object', [], [cm('a', '1')], ['add a']],
    ['changed version', [cm('a', '1')], [cm('a', '2')], ['update a']],
    ['recreated with the same name', [cm('a', '1', [], 'u1')], [cm('a', '1', [], 'u2')], ['update a']],
    ['deleted while not watching', [cm('a', '1'), cm('b', '1')], [cm('b', '1')], ['delete a']],
    ['everything at once', [cm('a', '1'), cm('b', '1')], [cm('b', '2'), cm('c', '1')], ['update b', 'add c', 'delete a']],
  ])('%s', (_what, cached, listed, want) => {
    expect(relistDeltas(cached, listed).map((d) => `${d.type} ${d.obj.metadata.name}`)).toEqual(want);
  });
});
