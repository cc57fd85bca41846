// The Argo CD health check (charts/sluice/argocd/health.lua) run by the real lua5.4 against
// sample Source, Destination and TrackingPlan objects.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ARGOCD_CM, HEALTH_LUA, KINDS, healthKey, renderArgoCdConfigMap } from './argocd-cm.ts';
import { runHealth, toLua, type Json } from './lua.ts';

interface Cond {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

const T = '2025-01-01T00:00:00Z';
const cond = (type: string, status: Cond['status'], reason: string, message: string, observedGeneration = 3) => ({
  type,
  status,
  reason,
  message,
  observedGeneration,
  lastTransitionTime: T,
});
/** Ready, Reconciling and Stalled as the operator writes them: one True, the others False. */
const summary = (state: 'Ready' | 'Reconciling' | 'Stalled', reason: string, message: string, observedGeneration = 3) =>
  (['Ready', 'Reconciling', 'Stalled'] as const).map((t) => cond(t, t === state ? 'True' : 'False', reason, message, observedGeneration));

const resource = (kind: string, generation: number | null, status: Json): Json => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind,
  metadata: { name: 'web', namespace: 'shop', generation, uid: '7d0c1f9e-0000-4000-8000-000000000001' },
  spec: { replicas: 2 },
  status,
});

interface Case {
  name: string;
  obj: Json;
  status: 'Healthy' | 'Progressing' | 'Degraded';
  message: string;
}

const cases: Case[] = [
  {
    name: 'Ready=True for the current generation',
    obj: resource('Source', 3, { observedGeneration: 3, conditions: summary('Ready', 'Ready', 'Serving at http://web.shop.svc:80/v1') }),
    status: 'Healthy',
    message: 'Serving at http://web.shop.svc:80/v1',
  },
  {
    name: 'no status yet',
    obj: resource('Destination', 1, null),
    status: 'Progressing',
    message: 'Waiting for the operator to report status',
  },
  {
    name: 'generation not observed yet (no observedGeneration)',
    obj: resource('TrackingPlan', 1, { conditions: [] }),
    status: 'Progressing',
    message: 'Waiting for the operator to observe generation 1',
  },
  {
    name: 'a new generation not observed yet, even though the old one was Ready',
    obj: resource('Source', 4, { observedGeneration: 3, conditions: summary('Ready', 'Ready', 'Serving') }),
    status: 'Progressing',
    message: 'Waiting for the operator to observe generation 4 (observed 3)',
  },
  {
    name: 'a new generation not observed yet hides a Stalled of the old one',
    obj: resource('TrackingPlan', 5, { observedGeneration: 4, conditions: summary('Stalled', 'SchemaInvalid', 'old error', 4) }),
    status: 'Progressing',
    message: 'Waiting for the operator to observe generation 5 (observed 4)',
  },
  {
    name: 'status without conditions',
    obj: resource('Destination', 2, { observedGeneration: 2 }),
    status: 'Progressing',
    message: 'Waiting for the Ready condition',
  },
  {
    name: 'Reconciling=True (waiting for a Secret that will appear)',
    obj: resource('Source', 3, {
      observedGeneration: 3,
      conditions: summary('Reconciling', 'SecretNotFound', 'Secret shop/web-write-key not found'),
    }),
    status: 'Progressing',
    message: 'Secret shop/web-write-key not found',
  },
  {
    name: 'Stalled=True: Degraded with the Stalled message',
    obj: resource('TrackingPlan', 3, {
      observedGeneration: 3,
      conditions: summary('Stalled', 'SchemaInvalid', 'events[0] "Order Completed": properties/revenue: type must be a string or array'),
    }),
    status: 'Degraded',
    message: 'events[0] "Order Completed": properties/revenue: type must be a string or array',
  },
  {
    name: 'Stalled=True wins over a stale Ready=True',
    obj: resource('Destination', 3, {
      observedGeneration: 3,
      conditions: [cond('Ready', 'True', 'Ready', 'ok'), cond('Stalled', 'True', 'FilterInvalid', 'spec.filter: Unexpected token')],
    }),
    status: 'Degraded',
    message: 'spec.filter: Unexpected token',
  },
  {
    name: 'Stalled=True without a message: the reason',
    obj: resource('Destination', 3, { observedGeneration: 3, conditions: [{ type: 'Stalled', status: 'True', reason: 'MappingInvalid', observedGeneration: 3 }] }),
    status: 'Degraded',
    message: 'MappingInvalid',
  },
  {
    name: 'Ready=False with a failure reason and nothing reconciling: Degraded',
    obj: resource('Destination', 3, {
      observedGeneration: 3,
      conditions: [cond('Ready', 'False', 'DeliveryFailing', '401 from the API since 14:02, token rejected (secret meta-token)'), cond('Reconciling', 'False', 'DeliveryFailing', ''), cond('Stalled', 'False', 'DeliveryFailing', '')],
    }),
    status: 'Degraded',
    message: '401 from the API since 14:02, token rejected (secret meta-token)',
  },
  {
    name: 'Ready=False with a waiting reason (Waiting…): Progressing',
    obj: resource('Source', 3, { observedGeneration: 3, conditions: [cond('Ready', 'False', 'WaitingForReplicas', '1 of 2 ingest pods ready')] }),
    status: 'Progressing',
    message: '1 of 2 ingest pods ready',
  },
  {
    name: 'Ready=False with a waiting reason (…InProgress): Progressing',
    obj: resource('Source', 3, { observedGeneration: 3, conditions: [cond('Ready', 'False', 'RolloutInProgress', 'rolling out')] }),
    status: 'Progressing',
    message: 'rolling out',
  },
  {
    name: 'Ready=Unknown: Progressing',
    obj: resource('TrackingPlan', 3, { observedGeneration: 3, conditions: [cond('Ready', 'Unknown', 'Pending', 'not evaluated yet')] }),
    status: 'Progressing',
    message: 'not evaluated yet',
  },
  {
    name: 'Ready condition of an older generation: Progressing',
    obj: resource('Source', 3, { observedGeneration: 3, conditions: [cond('Ready', 'True', 'Ready', 'Serving', 2)] }),
    status: 'Progressing',
    message: 'Waiting for the Ready condition of generation 3',
  },
  {
    name: 'an object without metadata.generation is judged by its conditions',
    obj: resource('Source', null, { conditions: summary('Ready', 'Ready', 'Serving') }),
    status: 'Healthy',
    message: 'Serving',
  },
  {
    name: 'non-ASCII and quotes in messages pass through',
    obj: resource('TrackingPlan', 3, { observedGeneration: 3, conditions: summary('Stalled', 'SchemaInvalid', 'event "Bestellung abgeschlossen – größe": bad') }),
    status: 'Degraded',
    message: 'event "Bestellung abgeschlossen – größe": bad',
  },
];

describe('Argo CD health check (lua5.4)', () => {
  it.each(cases)('$name → $status', async (c) => {
    const hs = await runHealth(HEALTH_LUA, c.obj);
    expect(hs).toEqual({ status: c.status, message: c.message, extraKeys: [] });
  });

  it('covers the three kinds with the same verdicts', async () => {
    const stalled = (kind: string) => resource(kind, 2, { observedGeneration: 2, conditions: summary('Stalled', 'SpecInvalid', 'bad spec', 2) });
    const results = await Promise.all(KINDS.map((k) => runHealth(HEALTH_LUA, stalled(k))));
    expect(results.map((r) => r.status)).toEqual(['Degraded', 'Degraded', 'Degraded']);
  });

  it('reports a script error instead of a verdict', async () => {
    await expect(runHealth('/nonexistent/health.lua', resource('Source', 1, null))).rejects.toThrow(/cannot open/);
  });
});

describe('Lua literal conversion', () => {
  it('builds tables, sequences and escaped strings', () => {
    expect(toLua({ a: [1, 2.5, 'x'], b: null, c: true, 'd"e': 'q"\\\n' })).toBe('{["a"] = {1, 2.5, "x"}, ["c"] = true, ["d\\"e"] = "q\\"\\\\\\010"}');
    expect(toLua('é')).toBe('"\\195\\169"');
  });
});

describe('Lua 5.1 dialect (Argo CD runs gopher-lua)', () => {
  it('uses no syntax or library newer than Lua 5.1', () => {
    const code = readFileSync(HEALTH_LUA, 'utf8')
      .replace(/--.*$/gm, '')
      .replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const newer = [/\bgoto\b/, /\/\//, /<const>|<close>/, /[&|]|<<|>>/, /~(?!=)/, /\butf8\./, /\btable\.(unpack|move)\b/, /\bmath\.(type|tointeger)\b/];
    expect(newer.filter((re) => re.test(code)).map(String)).toEqual([]);
  });
});

describe('argocd-cm snippet', () => {
  it('is generated from health.lua (run node test/gitops/argocd-cm.ts --write)', () => {
    expect(readFileSync(ARGOCD_CM, 'utf8')).toBe(renderArgoCdConfigMap(readFileSync(HEALTH_LUA, 'utf8')));
  });

  it('registers the script for every kind under Argo CD keys', () => {
    const cm = parse(readFileSync(ARGOCD_CM, 'utf8')) as { data: Record<string, string> };
    const script = readFileSync(HEALTH_LUA, 'utf8');
    expect(Object.keys(cm.data).sort()).toEqual(KINDS.map(healthKey).sort());
    for (const k of KINDS) expect(cm.data[healthKey(k)]).toBe(script);
  });
});
