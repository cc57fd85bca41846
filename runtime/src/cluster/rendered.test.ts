import { describe, expect, it } from 'vitest';
import type { DestinationSpec, SourceSpec } from '../../../operator/src/api/index.ts';
import { parseRendered, referencedSecrets, renderConfig, renderDestination, renderedDigest, renderSource, serializeRendered } from './rendered.ts';

const sourceSpec: SourceSpec = {
  writeKeys: [{ secretRef: { name: 'web-key', key: 'writeKey' } }, { secretRef: { name: 'rotated' } }],
  trackingPlanRef: { name: 'store' },
};
const destSpec: DestinationSpec = { sources: [{ name: 'web' }], type: 'webhook', settings: { url: 'http://x/y' }, credentials: { secretRef: { name: 'hook-creds' } } };
const plan = { name: 'store', spec: { events: [{ name: 'Order Completed' }] } };

describe('rendered config', () => {
  it('names Secrets and keys (the default key included), never values', () => {
    const r = renderConfig({ sources: [renderSource('web', sourceSpec, plan)], destinations: [renderDestination('hook', destSpec, 'export {}')] });
    expect(r.sources[0]?.writeKeys).toEqual([{ secret: 'web-key', key: 'writeKey' }, { secret: 'rotated', key: 'writeKey' }]);
    expect(r.destinations[0]).toMatchObject({ credentials: { secret: 'hook-creds' }, functionSource: 'export {}' });
    expect(referencedSecrets(r)).toEqual(['hook-creds', 'rotated', 'web-key']);
    expect(parseRendered(serializeRendered(r))).toEqual(r);
  });

  it('serializes the same config to the same bytes whatever the key order', () => {
    const a = renderConfig({ sources: [renderSource('web', sourceSpec)] });
    const b = renderConfig({ sources: [renderSource('web', { trackingPlanRef: { name: 'store' }, writeKeys: sourceSpec.writeKeys })] });
    expect(serializeRendered(a)).toBe(serializeRendered(b));
  });

  it('has a digest that moves with the config and with the resourceVersion of a referenced Secret only', () => {
    const r = renderConfig({ sources: [renderSource('web', sourceSpec)] });
    const base = renderedDigest(r, { 'web-key': '1', rotated: '5', unrelated: '9' });
    expect(renderedDigest(r, { 'web-key': '1', rotated: '5', unrelated: '10' })).toBe(base);
    expect(renderedDigest(r, { 'web-key': '2', rotated: '5' })).not.toBe(base);
    const changed = renderConfig({ sources: [renderSource('web', { ...sourceSpec, replicas: 3 })] });
    expect(renderedDigest(changed, { 'web-key': '1', rotated: '5' })).not.toBe(base);
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['another version', '{"version":2,"sources":[],"destinations":[]}', '/version'],
    ['a source without write keys', '{"version":1,"sources":[{"name":"web","spec":{"writeKeys":[]},"writeKeys":[]}],"destinations":[]}', '/sources/0'],
    ['an unknown destination type', '{"version":1,"sources":[],"destinations":[{"name":"d","spec":{"sources":[{"name":"web"}],"type":"fax"}}]}', '/destinations/0/spec/type'],
    ['too large', `{"pad":"${'x'.repeat(1_100_000)}"}`, 'larger than'],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseRendered(text, 'config.json')).toThrow(message);
  });
});
