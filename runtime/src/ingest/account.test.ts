import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../event.ts';
import { eventLabel } from './account.ts';

const ev = (over: Partial<SegmentEvent>): SegmentEvent => ({ type: 'track', messageId: 'm', timestamp: '', receivedAt: '', ...over });

describe('eventLabel', () => {
  const planned = new Set(['Order Completed', 'Page Viewed']);
  it.each([
    [ev({ event: 'Order Completed' }), 'Order Completed'],
    [ev({ event: 'user-42 clicked at 12:01' }), '(unplanned)'],
    [ev({ event: undefined }), '(unplanned)'],
    [ev({ type: 'page' }), 'Page Viewed'],
    [ev({ type: 'screen' }), 'screen'],
    [ev({ type: 'identify' }), 'identify'],
    [ev({ type: 'group' }), 'group'],
    [ev({ type: 'alias' }), 'alias'],
  ])('%# → %s', (event, label) => {
    expect(eventLabel(event, planned)).toBe(label);
  });
});
