import { describe, expect, it } from 'vitest';
import { inClusterEndpoint, resolveKubeconfig, type Endpoint, type KubeconfigFile } from './kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with one context `c` over cluster `k` and user `u`. */
function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}, context: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u', ...context } }],
    'current-context': 'c',
  };
}
const file = (doc: unknown, path = '/etc/kube/config'): KubeconfigFile => ({ path, text: JSON.stringify(doc) });

describe('resolveKubeconfig', () => {
  type Row = [string, KubeconfigFile[], { context?: string }, Partial<Endpoint>];
  it.each<Row>([
    [
      'client certificate and key, data form',
      [file(config({ 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }, { 'certificate-authority-data': b64('CA') }))],
      {},
      { server: 'https://127.0.0.1:6443', namespace: 'default', ca: { data: Buffer.from('CA') }, cert: { data: Buffer.from('CERT') }, key: { data: Buffer.from('KEY') }, insecure: false, auth: { kind: 'none' } },
    ],
    [
      'client certificate and key, file form, relative to the kubeconfig',
      [file(config({ 'client-certificate': 'pki/admin.crt', 'client-key': '/abs/admin.key' }, { 'certificate-authority': 'ca.crt' }))],
      {},
      { ca: { file: '/etc/kube/ca.crt' }, cert: { file: '/etc/kube/pki/admin.crt' }, key: { file: '/abs/admin.key' }, auth: { kind: 'none' } },
    ],
    ['data wins over file', [file(config({}, { 'certificate-authority': 'ca.crt', 'certificate-authority-data': b64('CA') }))], {}, { ca: { data: Buffer.from('CA') } }],
    ['a token', [file(config({ token: 'abc\n' }))], {}, { auth: { kind: 'token', token: 'abc' } }],
    ['a token file, relative', [file(config({ tokenFile: 'token' }))], {}, { auth: { kind: 'tokenFile', path: '/etc/kube/token' } }],
    ['an inline token wins over a token file', [file(config({ token: 't', tokenFile: '/x' }))], {}, { auth: { kind: 'token', token: 't' } }],
    ['basic auth', [file(config({ username: 'me', password: 'pw' }))], {}, { auth: { kind: 'basic', username: 'me', password: 'pw' } }],
    ['an exec plugin goes to the library', [file(config({ exec: { command: 'aws' } }))], {}, { auth: { kind: 'library', why: 'exec' } }],
    ['an auth-provider goes to the library', [file(config({ 'auth-provider': { name: 'oidc' } }))], {}, { auth: { kind: 'library', why: 'auth-provider' } }],
    ['impersonation goes to the library', [file(config({ token: 't', as: 'someone' }))], {}, { auth: { kind: 'library', why: 'as' } }],
    ['a proxy goes to the library', [file(config({ token: 't' }, { 'proxy-url': 'http://proxy:3128' }))], {}, { auth: { kind: 'library', why: 'proxy-url' } }],
    ['insecure and a TLS server name', [file(config({}, { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kubernetes' }))], {}, { insecure: true, serverName: 'kubernetes' }],
    ["the context's namespace", [file(config({}, {}, { namespace: 'team-a' }))], {}, { namespace: 'team-a' }],
    [
      'a chosen context',
      [file({ ...config({}), contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }, { name: 'd', context: { cluster: 'k', user: 'u', namespace: 'team-d' } }] })],
      { context: 'd' },
      { namespace: 'team-d' },
    ],
    [
      'merged files: the first to name an entry or a current-context wins',
      [
        file({ clusters: [{ name: 'k', cluster: { server: 'https://first:6443' } }], 'current-context': 'c' }, '/a/config'),
        file({ ...config({ tokenFile: 'tok' }), clusters: [{ name: 'k', cluster: { server: 'https://second:6443' } }], 'current-context': 'other' }, '/b/config'),
      ],
      {},
      { server: 'https://first:6443', auth: { kind: 'tokenFile', path: '/b/tok' } },
    ],
    ['an empty file among others is skipped', [{ path: '/empty', text: '' }, file(config({ token: 't' }))], {}, { auth: { kind: 'token', token: 't' } }],
    ['YAML, not only JSON', [{ path: '/y', text: 'clusters:\n- name: k\n  cluster: {server: "https://h:1"}\ncontexts:\n- name: c\n  context: {cluster: k}\ncurrent-context: c\n' }], {}, { server: 'https://h:1', auth: { kind: 'none' } }],
  ])('%s', (_what, files, opts, want) => {
    expect(resolveKubeconfig(files, opts)).toMatchObject(want);
  });

  it.each<[string, KubeconfigFile[], { context?: string }, RegExp]>([
    ['not YAML', [{ path: '/bad', text: 'clusters: [' }], {}, /reading kubeconfig \/bad: not valid YAML/],
    ['a list where a mapping belongs', [{ path: '/l', text: '[1, 2]' }], {}, /reading kubeconfig \/l: expected a mapping/],
    ['no current-context', [file({ ...config({}), 'current-context': undefined })], {}, /no current-context: set one \(kubectl config use-context\) or pass --context/],
    ['an unknown context', [file(config({}))], { context: 'nope' }, /context "nope" not found; known: c/],
    ['a context without cluster', [file({ ...config({}), contexts: [{ name: 'c', context: { user: 'u' } }] })], {}, /context "c" names no cluster/],
    ['a missing cluster', [file({ ...config({}), clusters: [] })], {}, /cluster "k" of context "c" not found/],
    ['a cluster without server', [file(config({}, { server: '' }))], {}, /cluster "k" needs a server URL \(https:\/\/host:port\), got ""/],
    ['a missing user', [file({ ...config({}), users: [] })], {}, /user "u" of context "c" not found/],
    ['a certificate without a key', [file(config({ 'client-certificate-data': b64('C') }))], {}, /user "u": a client certificate without a key: set client-key or client-key-data/],
    ['a key without a certificate', [file(config({ 'client-key': '/k' }))], {}, /user "u": a client key without a certificate: set client-certificate/],
    ['a username without a password', [file(config({ username: 'me' }))], {}, /user "u": a username without a password: set password/],
    ['an entry without a name', [file({ ...config({}), users: [{ user: {} }] })], {}, /every entry of "users" needs a name/],
  ])('says what to fix: %s', (_what, files, opts, want) => {
    expect(() => resolveKubeconfig(files, opts)).toThrow(want);
  });
});

describe('inClusterEndpoint', () => {
  it.each<[string, Record<string, string>, string | undefined, Partial<Endpoint>]>([
    ['host and port', { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '6443' }, 'team-a\n', { server: 'https://10.96.0.1:6443', namespace: 'team-a' }],
    ['port 443 by default, no namespace file', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, undefined, { server: 'https://10.96.0.1:443', namespace: 'default' }],
    ['an IPv6 host', { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, 'ns', { server: 'https://[fd00::1]:443' }],
  ])('%s', (_what, env, namespace, want) => {
    const e = inClusterEndpoint(env, '/sa', namespace);
    expect(e).toMatchObject({ ...want, ca: { file: '/sa/ca.crt' }, auth: { kind: 'tokenFile', path: '/sa/token' }, insecure: false });
  });

  it('says what is missing outside a pod', () => {
    expect(() => inClusterEndpoint({}, '/sa', undefined)).toThrow(/KUBERNETES_SERVICE_HOST is not set/);
  });
});
