import { describe, expect, it } from 'vitest';
import { prettyBody, renderRequest, renderText, type PreviewReport } from './render.ts';

describe('prettyBody', () => {
  it.each([
    ['{"a":1,"b":[1]}', '{\n  "a": 1,\n  "b": [\n    1\n  ]\n}'],
    ['{"a":1}\n{"b":2}\n', '{\n  "a": 1\n}\n{\n  "b": 2\n}'],
    ['a=1&b=2', 'a=1&b=2'],
    ['', '(empty body)'],
  ])('%j', (body, expected) => {
    expect(prettyBody(body)).toBe(expected);
  });
});

describe('renderRequest', () => {
  it('prints the request line, headers, a blank line and the body', () => {
    expect(renderRequest({ method: 'POST', url: 'https://x/y', headers: { authorization: 'Bearer ***', 'content-type': 'application/json' }, body: '{"a":1}', messageIds: ['m'] }, 2)).toEqual([
      '  POST https://x/y',
      '  authorization: Bearer ***',
      '  content-type: application/json',
      '',
      '  {\n    "a": 1\n  }',
    ]);
  });
});

describe('renderText', () => {
  const report: PreviewReport = {
    destination: { name: 'ads', type: 'webhook', sources: ['web'] },
    notes: ['placeholders'],
    results: [
      {
        messageId: 'm1',
        label: 'track "A"',
        steps: [
          { step: 'filter', passed: true, detail: 'the filter is true' },
          { step: 'mapping', passed: true, detail: '1 of 2 fields have a value' },
        ],
        fields: [
          { key: 'value', expression: 'properties.revenue', value: 42.5 },
          { key: 'email', expression: 'sha256(traits.email)', omitted: 'traits.email is missing' },
        ],
        payload: { value: 42.5 },
        requests: [{ method: 'POST', url: 'http://x', headers: {}, body: '{"value":42.5}', messageIds: ['m1'] }],
      },
      { messageId: 'm2', label: 'identify', steps: [{ step: 'filter', passed: false, detail: 'the filter is false for this event' }], droppedAt: 'filter' },
    ],
    refused: [{ index: 2, code: 'event_not_defined', field: 'event', message: 'A track event without an `event` name.' }],
  };

  it('shows each step, each field, the request, drops and refusals, and a count', () => {
    const text = renderText(report);
    expect(text).toContain('Destination ads (webhook) ← web\n  note: placeholders');
    expect(text).toContain('Event 1 of 3: track "A" (messageId m1)\n  ✓ filter: the filter is true');
    expect(text).toContain('    value  42.5\n    email  (omitted: traits.email is missing)');
    expect(text).toContain('  Request 1 of 1:\n    POST http://x\n\n    {\n      "value": 42.5\n    }');
    expect(text).toContain('Event 2 of 3: identify (messageId m2)\n  ✗ filter: the filter is false for this event\n  → not sent: dropped at filter');
    expect(text).toContain('Event 3 of 3: refused by the ingest: event_not_defined (event)');
    expect(text.trimEnd().endsWith('1 of 3 events would be sent.')).toBe(true);
  });
});
