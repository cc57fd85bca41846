import { describe, expect, it } from 'vitest';
import { route, splitUrl } from './routes.ts';

describe('route', () => {
  it.each([
    ['track', 'events', 'track'], ['t', 'events', 'track'],
    ['identify', 'events', 'identify'], ['i', 'events', 'identify'],
    ['page', 'events', 'page'], ['p', 'events', 'page'],
    ['screen', 'events', 'screen'], ['s', 'events', 'screen'],
    ['group', 'events', 'group'], ['g', 'events', 'group'],
    ['alias', 'events', 'alias'], ['a', 'events', 'alias'],
    ['batch', 'events', undefined], ['b', 'events', undefined], ['import', 'events', undefined], ['batch/', 'events', undefined],
    ['m', 'telemetry', undefined],
    ['pixel/track', 'pixel', 'track'], ['pixel/page', 'pixel', 'page'],
  ])('%s → %s %s', (path, kind, type) => {
    const r = route(path);
    expect(r.kind).toBe(kind);
    if ('type' in r) expect(r.type).toBe(type);
  });

  it('reads the write key of a settings path', () => {
    expect(route('projects/wk%2Fx/settings')).toEqual({ kind: 'settings', endpoint: 'settings', writeKey: 'wk/x', method: 'GET' });
  });

  it.each(['', 'tracks', 'pixel/purchase', 'projects//settings', 'projects/%E0%A4%A/settings', 'v2/track', 'batch/extra'])('%j is unknown', (path) => {
    expect(route(path).kind).toBe('unknown');
  });

  it('splits the query off', () => {
    expect(splitUrl('/v1/pixel/track?data=abc&x=1')).toEqual({ rest: 'pixel/track', query: 'data=abc&x=1' });
    expect(splitUrl('/v1/t')).toEqual({ rest: 't', query: '' });
  });
});
