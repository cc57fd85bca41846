// A container's environment exactly as the kubelet builds it: envFrom first, then env in
// order, `$(VAR)` references expanded against what came before, values read from the
// ConfigMaps, Secrets and Pod fields they name. Pure: lookups come from the informers.
import type { ConfigMap, Container, Pod, Secret } from '../../../operator/src/kube/index.ts';

export interface Lookups {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

/** The addresses the runner gives every Pod: all of them run on loopback. */
export const POD_IP = '127.0.0.1';

export type EnvResult = { ok: true; env: Map<string, string> } | { ok: false; message: string };

/** A key of a ConfigMap (data or binaryData) or a Secret, as text; undefined when absent. */
export function configMapValue(cm: ConfigMap, key: string): string | undefined {
  const text = cm.data?.[key];
  if (text !== undefined) return text;
  const bin = cm.binaryData?.[key];
  return bin === undefined ? undefined : Buffer.from(bin, 'base64').toString('utf8');
}

export function secretValue(s: Secret, key: string): string | undefined {
  const b64 = s.data?.[key];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  return s.stringData?.[key];
}

const LABEL_FIELD = /^metadata\.(labels|annotations)\['([^']+)'\]$/;

/** The downward API: the value of a Pod field, or undefined for a path the runner does not know. */
export function fieldValue(pod: Pod, path: string): string | undefined {
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
    case 'status.hostIP':
    case 'status.hostIPs':
      return POD_IP;
    case 'metadata.labels':
    case 'metadata.annotations': {
      const map = (path === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
      // The kubelet's format for the whole map: sorted key="value" lines.
      return Object.keys(map)
        .sort()
        .map((k) => `${k}=${JSON.stringify(map[k])}`)
        .join('\n');
    }
  }
  const m = LABEL_FIELD.exec(path);
  if (!m) return undefined;
  const map = (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
  return map[m[2]!] ?? '';
}

/**
 * Kubernetes variable expansion: `$(NAME)` becomes NAME's value when it is defined and stays
 * as written otherwise; `$$` is a literal `$` (so `$$(NAME)` stays `$(NAME)`).
 */
export function expand(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += vars.get(name) ?? input.slice(i, close + 1);
      i = close + 1;
    } else {
      out += c + next;
      i += 2;
    }
  }
  return out;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The environment a container starts with, or why it cannot start (CreateContainerConfigError). */
export function resolveEnv(pod: Pod, container: Container, lookups: Lookups): EnvResult {
  const ns = pod.metadata.namespace ?? 'default';
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let entries: [string, string | undefined][];
    if (from.configMapRef) {
      const cm = lookups.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        return { ok: false, message: `configmap "${from.configMapRef.name}" not found` };
      }
      entries = [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})].map((k) => [k, configMapValue(cm, k)]);
    } else if (from.secretRef) {
      const s = lookups.secret(ns, from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        return { ok: false, message: `secret "${from.secretRef.name}" not found` };
      }
      entries = Object.keys(s.data ?? {}).map((k) => [k, secretValue(s, k)]);
    } else {
      continue;
    }
    // Keys that are not valid variable names are skipped, as the kubelet does.
    for (const [k, v] of entries) if (v !== undefined && ENV_NAME.test(prefix + k)) env.set(prefix + k, v);
  }
  for (const e of container.env ?? []) {
    const src = e.valueFrom;
    if (!src) {
      env.set(e.name, expand(e.value ?? '', env));
      continue;
    }
    if (src.configMapKeyRef) {
      const ref = src.configMapKeyRef;
      const cm = lookups.configMap(ns, ref.name ?? '');
      const v = cm ? configMapValue(cm, ref.key) : undefined;
      if (v !== undefined) env.set(e.name, v);
      else if (!ref.optional) return { ok: false, message: cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found` };
    } else if (src.secretKeyRef) {
      const ref = src.secretKeyRef;
      const s = lookups.secret(ns, ref.name ?? '');
      const v = s ? secretValue(s, ref.key) : undefined;
      if (v !== undefined) env.set(e.name, v);
      else if (!ref.optional) return { ok: false, message: s ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found` };
    } else if (src.fieldRef) {
      const v = fieldValue(pod, src.fieldRef.fieldPath);
      if (v === undefined) return { ok: false, message: `env ${e.name}: field ${src.fieldRef.fieldPath} is not supported by the pod runner` };
      env.set(e.name, v);
    } else {
      return { ok: false, message: `env ${e.name}: only configMapKeyRef, secretKeyRef and fieldRef are supported by the pod runner` };
    }
  }
  return { ok: true, env };
}
