// The chart's README stays true to the chart: the values table is generated from values.yaml,
// and the alerts it lists are the ones the PrometheusRule renders.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, helm, one, render, run, type K8sObject } from './helm.ts';
import { README, VALUES, valuesRows, valuesTable, withTable } from './values-doc.ts';

const readme = readFileSync(README, 'utf8');

describe('chart README', () => {
  it('has the values table generated from values.yaml (node test/chart/values-doc.ts --write)', () => {
    expect(readme).toBe(withTable(readme, valuesTable(valuesRows(readFileSync(VALUES, 'utf8')))));
  });

  it('documents every value', () => {
    const rows = valuesRows(readFileSync(VALUES, 'utf8'));
    expect(rows.length).toBeGreaterThan(40);
    expect(rows.filter((r) => r.description === '').map((r) => r.key)).toEqual([]);
  });

  it('ships in the packaged chart, with the Argo CD health check it documents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-package-'));
    try {
      const r = await helm(['package', chartDir, '--destination', dir]);
      expect(r.code, r.stderr).toBe(0);
      const listed = await run('tar', ['tzf', join(dir, `sluice-${(parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string }).version}.tgz`)]);
      const files = listed.stdout.split('\n');
      for (const f of ['README.md', 'argocd/health.lua', 'argocd/argocd-cm.yaml', 'values.schema.json']) expect(files).toContain(`sluice/${f}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists exactly the alerts the PrometheusRule renders', async () => {
    const rule = one<K8sObject & { spec: { groups: { rules: { alert: string }[] }[] } }>(await render({ prometheusRule: { enabled: true } }), 'PrometheusRule');
    const rendered = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort();
    const listed = [...readme.matchAll(/^\| `(Sluice[A-Za-z]+)` \|/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(rendered);
  });
});

describe('values table generator', () => {
  it('takes `# --` comments, skips plain ones, and descends into undocumented maps', () => {
    const rows = valuesRows('# header\n\n# -- First.\na: 1\nb:\n  # -- Inner.\n  c: [x]\n  # plain\n  d: ""\n# -- Whole map.\ne:\n  f: 2\n');
    expect(rows).toEqual([
      { key: 'a', default: '1', description: 'First.' },
      { key: 'b.c', default: '["x"]', description: 'Inner.' },
      { key: 'b.d', default: '""', description: '' },
      { key: 'e', default: '{"f":2}', description: 'Whole map.' },
    ]);
    expect(valuesTable([{ key: 'k', default: '"a|b"', description: 'x | y' }])).toContain('| `k` | `"a\\|b"` | x \\| y |');
  });
});
