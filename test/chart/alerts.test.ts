// The chart's PrometheusRule checked and unit-tested by promtool (Debian prometheus), and the
// Grafana dashboard: both may only use metric names the runtime and the operator export.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../runtime/src/observe/metrics.ts';
import { kubeMetrics } from '../../operator/src/kube/metrics.ts';
import { chartDir, one, render, run, type K8sObject } from './helm.ts';

const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';
const UNIT_TESTS = join(import.meta.dirname, 'alerts.test.yaml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
type Groups = { name: string; rules: Rule[] }[];

const dir = mkdtempSync(join(tmpdir(), 'sluice-alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ruleGroups(values: Record<string, unknown> = {}): Promise<Groups> {
  const objs = await render({ prometheusRule: { enabled: true, ...values } });
  return one<K8sObject & { spec: { groups: Groups } }>(objs, 'PrometheusRule').spec.groups;
}

/** Writes the groups beside a copy of alerts.test.yaml and runs `promtool test rules`. */
async function promtoolTest(groups: Groups, name: string) {
  const d = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(d, 'sluice-rules.yaml'), stringify({ groups }));
  copyFileSync(UNIT_TESTS, join(d, 'alerts.test.yaml'));
  return run(PROMTOOL, ['test', 'rules', 'alerts.test.yaml'], { cwd: d, timeoutMs: 60_000 });
}

/** Every series name the runtime and the operator export (histograms as _bucket/_sum/_count). */
async function exportedNames(): Promise<Set<string>> {
  const registry = new Registry();
  kubeMetrics(registry);
  const names = new Set<string>();
  for (const r of [createMetrics({ defaultMetrics: false }).registry, registry]) {
    for (const m of await r.getMetricsAsJSON()) {
      // prom-client's typings say a numeric enum; at run time the type is the exposition word.
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
      else names.add(m.name);
    }
  }
  return names;
}

const metricsIn = (promql: string): string[] => [...new Set(promql.match(/\bsluice_[a-z0-9_]+/g) ?? [])];

describe('PrometheusRule', () => {
  it('passes promtool check rules', async () => {
    const file = join(dir, 'check.yaml');
    writeFileSync(file, stringify({ groups: await ruleGroups() }));
    const r = await run(PROMTOOL, ['check', 'rules', file]);
    expect(r.stdout + r.stderr).toContain('SUCCESS: 7 rules found');
    expect(r.code).toBe(0);
  });

  it('passes promtool test rules (test/chart/alerts.test.yaml)', async () => {
    const r = await promtoolTest(await ruleGroups(), 'default');
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('fails those unit tests when a threshold moves (the tests bite)', async () => {
    const r = await promtoolTest(await ruleGroups({ deliveryFailing: { threshold: 0.9 } }), 'moved');
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('alertname: SluiceDeliveryFailing');
  });

  it('has the five data alerts and the operator alerts, each with severity and summary', async () => {
    const rules = (await ruleGroups({ alertLabels: { team: 'data' } })).flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual([
      'SluiceSourceSilent',
      'SluiceViolationRateHigh',
      'SluiceDeliveryFailing',
      'SluiceDeadLettersGrowing',
      'SluiceDeliveryLagGrowing',
      'SluiceOperatorNoLeader',
      'SluiceOperatorReconcileErrors',
    ]);
    for (const r of rules) {
      expect(r.labels, r.alert).toMatchObject({ severity: expect.stringMatching(/^(critical|warning|info)$/) as unknown, team: 'data' });
      expect(r.annotations?.summary, r.alert).toBeTruthy();
    }
  });

  it('uses only metric names the runtime and the operator export', async () => {
    const exported = await exportedNames();
    const used = (await ruleGroups()).flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr)));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((m) => !exported.has(m))).toEqual([]);
  });
});

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string; refId: string }[];
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(chartDir, 'files/dashboard.json'), 'utf8')) as { uid: string; panels: Panel[]; templating: { list: { name: string; query: unknown }[] } };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it('has unique panel ids and a query in every graph', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it('queries only exported metrics', async () => {
    const exported = await exportedNames();
    const used = [...exprs, ...dashboard.templating.list.map((v) => (typeof v.query === 'object' && v.query !== null ? JSON.stringify(v.query) : String(v.query)))].flatMap(metricsIn);
    expect(used.filter((m) => !exported.has(m))).toEqual([]);
  });

  it('shows every metric the alerts watch', async () => {
    const shown = new Set(exprs.flatMap(metricsIn));
    const alerted = (await ruleGroups()).flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr)));
    expect(alerted.filter((m) => !shown.has(m))).toEqual([]);
  });

  it('ships in the ConfigMap unchanged', async () => {
    const objs = await render({ grafanaDashboard: { enabled: true, namespace: 'monitoring' } });
    const cm = one<K8sObject & { data: Record<string, string> }>(objs, 'ConfigMap', 'sluice-dashboard');
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(JSON.parse(cm.data['sluice.json'] ?? 'null')).toEqual(dashboard);
  });
});
