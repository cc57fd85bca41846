import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DestinationRuntime, RuntimeConfig, SourceRuntime } from '../config.ts';
import { RenderedConfigError, type RenderedConfig } from './rendered.ts';

/** A Secret is at most 1 MiB in all; so is each file read here. */
const MAX_SECRET_FILE_BYTES = 1_048_576;
const MAX_KEYS_PER_SECRET = 256;

/** How the files under the secrets directory are read (tests pass a map). */
export interface SecretFiles {
  /** The value of `<secret>/<key>`, or undefined when the file does not exist. */
  read(secret: string, key: string): string | undefined;
  /** The keys of `<secret>/`, or undefined when the directory does not exist. */
  keys(secret: string): string[] | undefined;
}

/**
 * Secrets mounted one per directory: `<dir>/<secret>/<key>`. Kubernetes' atomic writer
 * keeps its own entries (`..data`, `..2024_…`) next to the keys; those are skipped.
 */
export function mountedSecrets(dir: string): SecretFiles {
  return {
    read(secret, key) {
      const path = join(dir, checkSegment(secret, 'Secret name'), checkSegment(key, 'Secret key'));
      try {
        if (statSync(path).size > MAX_SECRET_FILE_BYTES) throw new RenderedConfigError(`reading ${path}: larger than ${MAX_SECRET_FILE_BYTES} bytes`);
        return readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    keys(secret) {
      try {
        const names = readdirSync(join(dir, checkSegment(secret, 'Secret name'))).filter((n) => !n.startsWith('..'));
        return names.slice(0, MAX_KEYS_PER_SECRET).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  };
}

/** Names come from the API server's rules, but a path must never climb out of the directory. */
function checkSegment(s: string, what: string): string {
  if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0')) {
    throw new RenderedConfigError(`reading secrets: ${what} "${s}" cannot be a file name`);
  }
  return s;
}

/**
 * The RuntimeConfig a rendered config describes, with write keys and credentials read from
 * the mounted Secrets. Every missing file is named in one error: a pod that starts without
 * its secrets must say which.
 */
export function resolveRendered(rendered: RenderedConfig, secrets: string | SecretFiles): RuntimeConfig {
  const files = typeof secrets === 'string' ? mountedSecrets(secrets) : secrets;
  const where = typeof secrets === 'string' ? ` under ${secrets}` : '';
  const missing: string[] = [];

  const sources: SourceRuntime[] = rendered.sources.map((s) => {
    const writeKeys: string[] = [];
    for (const ref of s.writeKeys) {
      const value = files.read(ref.secret, ref.key);
      if (value === undefined) missing.push(`Source ${s.name}: write key ${ref.secret}/${ref.key}`);
      else if (value.length === 0) missing.push(`Source ${s.name}: write key ${ref.secret}/${ref.key} is empty`);
      else writeKeys.push(value);
    }
    return { name: s.name, spec: s.spec, writeKeys, ...(s.plan ? { plan: s.plan } : {}) };
  });

  const destinations: DestinationRuntime[] = rendered.destinations.map((d) => {
    const credentials: Record<string, string> = {};
    if (d.credentials) {
      const keys = files.keys(d.credentials.secret);
      if (keys === undefined) missing.push(`Destination ${d.name}: credentials Secret ${d.credentials.secret}`);
      for (const key of keys ?? []) {
        const value = files.read(d.credentials.secret, key);
        if (value !== undefined) credentials[key] = value;
      }
    }
    return { name: d.name, spec: d.spec, credentials, ...(d.functionSource !== undefined ? { functionSource: d.functionSource } : {}) };
  });

  if (missing.length > 0) throw new RenderedConfigError(`resolving secrets${where}: missing ${missing.join('; ')}`);
  return { sources, destinations };
}
