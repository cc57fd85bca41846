import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../../kube/index.ts';
import { Fresh } from './fresh.ts';

const at = (rv: string, data = rv): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: rv }, data: { v: data } });

describe('Fresh', () => {
  it('serves what a write returned while the cache shows a version it superseded, through several writes', () => {
    const f = new Fresh<ConfigMap>();
    const v1 = at('1');
    const v2 = f.wrote(v1, at('2'));
    const v3 = f.wrote(v2, at('3'));
    expect(f.latest(v1)).toBe(v3);
    expect(f.latest(at('2', 'cached'))).toBe(v3);
  });

  it('lets the cache win as soon as it shows any other version, and forgets the write', () => {
    const f = new Fresh<ConfigMap>();
    f.wrote(at('1'), at('2'));
    const newer = at('5');
    expect(f.latest(newer)).toBe(newer);
    expect(f.size).toBe(0);
    expect(f.latest(at('1')).metadata.resourceVersion).toBe('1');
  });

  it('ignores writes that changed nothing', () => {
    const f = new Fresh<ConfigMap>();
    const v1 = at('1');
    f.wrote(v1, v1);
    expect(f.size).toBe(0);
  });
});
