import { describe, expect, it } from 'vitest';
import { statusEqual, withObservedGeneration } from './status.ts';

const c = (type: string, status = 'True') => ({ type, status, reason: 'R', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' });

describe('statusEqual', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['same', { observedGeneration: 2, conditions: [c('Ready')] }, { observedGeneration: 2, conditions: [c('Ready')] }, true],
    ['conditions in another order', { conditions: [c('Ready'), c('Stalled', 'False')] }, { conditions: [c('Stalled', 'False'), c('Ready')] }, true],
    ['a condition flipped', { conditions: [c('Ready')] }, { conditions: [c('Ready', 'False')] }, false],
    ['observedGeneration moved', { observedGeneration: 1 }, { observedGeneration: 2 }, false],
    ['no status yet vs empty', undefined, {}, true],
    ['a count changed', { received: 1 }, { received: 2 }, false],
  ])('%s', (_what, a, b, want) => {
    expect(statusEqual(a, b)).toBe(want);
  });

  it('sets observedGeneration from the object generation', () => {
    expect(withObservedGeneration({ endpoint: 'x' }, 4)).toEqual({ endpoint: 'x', observedGeneration: 4 });
    expect(withObservedGeneration({ endpoint: 'x' }, undefined)).toEqual({ endpoint: 'x' });
  });
});
