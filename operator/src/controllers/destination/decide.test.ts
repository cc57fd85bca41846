import { describe, expect, it } from 'vitest';
import type { Destination } from '../../api/index.ts';
import { parseRendered } from '../../../../runtime/src/cluster/rendered.ts';
import { checkDestinationCached } from './check.ts';
import { decideDestination, type DestinationInput } from './decide.ts';

const dest = (spec: Partial<Destination['spec']> = {}): Destination => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Destination',
  metadata: { name: 'hook', namespace: 'shop', uid: 'u2', generation: 1 },
  spec: { sources: [{ name: 'web' }], type: 'webhook', settings: { url: 'http://receiver/events' }, ...spec },
});
const input = (over: Partial<DestinationInput> = {}, spec: Partial<Destination['spec']> = {}): DestinationInput => ({
  destination: dest(spec),
  sources: new Set(['web']),
  ...over,
});

describe('decideDestination', () => {
  it.each([
    ['a missing Source', input({ sources: new Set() }), 'SourceNotFound', 'Source web not found'],
    ['a missing credentials Secret', input({}, { credentials: { secretRef: { name: 'creds' } } }), 'SecretNotFound', 'Secret creds not found'],
    ['a missing function ConfigMap', input({}, { function: { configMapRef: { name: 'fn', key: 'index.js' } } }), 'ConfigMapNotFound', 'ConfigMap fn not found'],
    ['a missing function key', input({ functionData: { 'other.js': '' } }, { function: { configMapRef: { name: 'fn', key: 'index.js' } } }), 'ConfigMapNotFound', 'ConfigMap fn has no key index.js'],
  ])('waits on %s, naming it', (_what, i, reason, message) => {
    expect(decideDestination(i, checkDestinationCached)).toEqual({ kind: 'wait', summary: { state: 'progressing', reason, message } });
  });

  it.each([
    ['a CEL filter that does not parse', { filter: 'type == "track" &&' }, 'filter:'],
    ['a mapping that does not parse', { mapping: { 'user.email': 'lower(' } }, 'user.email'],
    ['settings the type refuses', { settings: { url: 42 } }, 'settings.url'],
  ])('is Stalled before anything is deployed on %s', (_what, spec, message) => {
    const d = decideDestination(input({}, spec), checkDestinationCached);
    expect(d.kind).toBe('stalled');
    if (d.kind !== 'stalled') return;
    expect(d.summary.reason).toBe('InvalidSpec');
    expect(d.summary.message).toContain(message);
  });

  it('judges credentials by their keys, never seeing values', () => {
    const spec = { credentials: { secretRef: { name: 'creds' } }, settings: { url: 'http://r/e', headersFromSecret: { Authorization: 'token' } } };
    const missing = decideDestination(input({ credentials: { keys: ['other'], resourceVersion: '1' } }, spec), checkDestinationCached);
    expect(missing.kind === 'stalled' && missing.summary.message).toContain('"token"');
    const ok = decideDestination(input({ credentials: { keys: ['token'], resourceVersion: '1' } }, spec), checkDestinationCached);
    expect(ok.kind).toBe('deploy');
  });

  it('renders the config with the credentials Secret by name and rolls on its version', () => {
    const spec = { credentials: { secretRef: { name: 'creds' } } };
    const a = decideDestination(input({ credentials: { keys: ['token'], resourceVersion: '1' } }, spec), checkDestinationCached);
    const b = decideDestination(input({ credentials: { keys: ['token'], resourceVersion: '2' } }, spec), checkDestinationCached);
    if (a.kind !== 'deploy' || b.kind !== 'deploy') throw new Error('expected deploy');
    expect(parseRendered(a.config).destinations).toEqual([{ name: 'hook', spec: dest(spec).spec, credentials: { secret: 'creds' } }]);
    expect(a.secrets).toEqual(['creds']);
    expect(a.config).toBe(b.config);
    expect(a.digest).not.toBe(b.digest);
  });
});
