// What a Pod volume holds, decided from the Pod and the objects it names, as the kubelet's
// volume plugins would: files with modes for ConfigMap, Secret, downward API and projected
// volumes; a plain directory for emptyDir; a directory that outlives the Pod for a claim.
// Pure; volumes.ts writes the result.
import type { Pod } from '../../../operator/src/kube/index.ts';
import { configMapValue, fieldValue, secretValue, type Lookups } from './env.ts';
import type { Volume } from './types.ts';

export interface ProjectedFile {
  data: Buffer;
  mode: number;
}

export type Projection =
  | { kind: 'files'; files: Map<string, ProjectedFile> }
  | { kind: 'emptyDir' }
  | { kind: 'claim'; claim: string }
  /** Not ready to mount yet (a missing object or key): the Pod waits, as with FailedMount. */
  | { kind: 'missing'; message: string }
  /** A volume type the runner cannot provide: the Pod never starts. */
  | { kind: 'unsupported'; message: string };

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

const DEFAULT_MODE = 0o644;
const MAX_VOLUME_BYTES = 16 * 1024 * 1024;
const UNISSUED_TOKEN = 'not-issued-by-the-sluice-pod-runner';

function safePath(p: string): boolean {
  return p.length > 0 && !p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '' || s.startsWith('..'));
}

/** Adds the selected keys of one object; a message when a required key or path is wrong. */
function addKeys(
  files: Map<string, ProjectedFile>,
  what: string,
  keys: string[],
  read: (key: string) => Buffer | undefined,
  items: KeyToPath[] | undefined,
  optional: boolean,
  defaultMode: number,
): string | undefined {
  const chosen: KeyToPath[] = items ?? keys.map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const data = read(item.key);
    if (data === undefined) {
      if (optional) continue;
      return `${what}: key "${item.key}" not found`;
    }
    if (!safePath(item.path)) return `${what}: item path "${item.path}" is not a relative path inside the volume`;
    files.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return undefined;
}

type Source = NonNullable<NonNullable<Volume['projected']>['sources']>[number];

function addSource(files: Map<string, ProjectedFile>, pod: Pod, src: Source, lookups: Lookups, defaultMode: number): Projection | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  if (src.configMap) {
    const ref = src.configMap;
    const cm = lookups.configMap(ns, ref.name ?? '');
    if (!cm) return ref.optional ? undefined : { kind: 'missing', message: `configmap "${ref.name}" not found` };
    const keys = [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})];
    const read = (k: string) => {
      if (cm.binaryData?.[k] !== undefined) return Buffer.from(cm.binaryData[k], 'base64');
      const v = configMapValue(cm, k);
      return v === undefined ? undefined : Buffer.from(v);
    };
    const err = addKeys(files, `configmap "${ref.name}"`, keys, read, ref.items, ref.optional ?? false, defaultMode);
    return err ? { kind: 'missing', message: err } : undefined;
  }
  if (src.secret) {
    const ref = src.secret;
    const s = lookups.secret(ns, ref.name ?? '');
    if (!s) return ref.optional ? undefined : { kind: 'missing', message: `secret "${ref.name}" not found` };
    const read = (k: string) => {
      const v = s.data?.[k];
      if (v !== undefined) return Buffer.from(v, 'base64');
      const t = secretValue(s, k);
      return t === undefined ? undefined : Buffer.from(t);
    };
    const err = addKeys(files, `secret "${ref.name}"`, Object.keys(s.data ?? {}), read, ref.items, ref.optional ?? false, defaultMode);
    return err ? { kind: 'missing', message: err } : undefined;
  }
  if (src.downwardAPI) {
    for (const item of src.downwardAPI.items ?? []) {
      const v = item.fieldRef ? fieldValue(pod, item.fieldRef.fieldPath) : undefined;
      if (v === undefined) return { kind: 'unsupported', message: `downward API item "${item.path}": only fieldRef paths the runner knows are supported` };
      if (!safePath(item.path)) return { kind: 'unsupported', message: `downward API item path "${item.path}" is not relative` };
      files.set(item.path, { data: Buffer.from(v), mode: item.mode ?? defaultMode });
    }
    return undefined;
  }
  if (src.serviceAccountToken) {
    // The admission plugin adds this to every Pod that does not opt out. The runner issues no
    // tokens: the file exists so the Pod starts, and anything that calls the API with it gets
    // 401, the same as a Pod whose token was revoked.
    const path = src.serviceAccountToken.path;
    if (!safePath(path)) return { kind: 'unsupported', message: `service account token path "${path}" is not relative` };
    files.set(path, { data: Buffer.from(UNISSUED_TOKEN), mode: defaultMode });
    return undefined;
  }
  return { kind: 'unsupported', message: 'projected volume source: only configMap, secret, downwardAPI and serviceAccountToken are supported by the pod runner' };
}

export function projectVolume(pod: Pod, volume: Volume, lookups: Lookups): Projection {
  const files = new Map<string, ProjectedFile>();
  let sources: Source[];
  let defaultMode: number;
  if (volume.emptyDir) return { kind: 'emptyDir' };
  if (volume.persistentVolumeClaim) return { kind: 'claim', claim: volume.persistentVolumeClaim.claimName };
  if (volume.configMap) {
    const { defaultMode: mode, name, items, optional } = volume.configMap;
    sources = [{ configMap: { name: name ?? '', items, optional } }];
    defaultMode = mode ?? DEFAULT_MODE;
  } else if (volume.secret) {
    const { defaultMode: mode, secretName, items, optional } = volume.secret;
    sources = [{ secret: { name: secretName ?? '', items, optional } }];
    defaultMode = mode ?? DEFAULT_MODE;
  } else if (volume.downwardAPI) {
    sources = [{ downwardAPI: { items: volume.downwardAPI.items } }];
    defaultMode = volume.downwardAPI.defaultMode ?? DEFAULT_MODE;
  } else if (volume.projected) {
    sources = volume.projected.sources ?? [];
    defaultMode = volume.projected.defaultMode ?? DEFAULT_MODE;
  } else {
    const type = Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
    return { kind: 'unsupported', message: `volume "${volume.name}": type ${type} is not supported by the pod runner` };
  }
  for (const src of sources) {
    const stop = addSource(files, pod, src, lookups, defaultMode);
    if (stop) return stop;
  }
  let bytes = 0;
  for (const f of files.values()) bytes += f.data.length;
  if (bytes > MAX_VOLUME_BYTES) return { kind: 'unsupported', message: `volume "${volume.name}": ${bytes} bytes, more than ${MAX_VOLUME_BYTES}` };
  return { kind: 'files', files };
}
