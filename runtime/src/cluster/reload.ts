import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { RuntimeConfig } from '../config.ts';
import { canonicalJson } from '../plan/digest.ts';
import { MAX_RENDERED_BYTES, parseRendered, RenderedConfigError, type RenderedConfig } from './rendered.ts';
import { resolveRendered } from './resolve.ts';

export interface LoadedConfig {
  rendered: RenderedConfig;
  config: RuntimeConfig;
  /** Changes when the config file or any Secret value it reads changes. */
  fingerprint: string;
}

/** Reads the rendered config file and the Secrets it names. Throws a RenderedConfigError saying what is wrong. */
export function loadConfig(configPath: string, secretsDir: string): LoadedConfig {
  let text: string;
  try {
    if (statSync(configPath).size > MAX_RENDERED_BYTES) throw new RenderedConfigError(`reading ${configPath}: larger than ${MAX_RENDERED_BYTES} bytes`);
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    if (err instanceof RenderedConfigError) throw err;
    throw new RenderedConfigError(`reading ${configPath}: ${(err as Error).message}`, { cause: err });
  }
  const rendered = parseRendered(text, configPath);
  const config = resolveRendered(rendered, secretsDir);
  // Hashed, never kept: the fingerprint must not carry secret values around.
  const fingerprint = createHash('sha256').update(canonicalJson(config)).digest('hex');
  return { rendered, config, fingerprint };
}

export interface ConfigWatcherOptions {
  configPath: string;
  secretsDir: string;
  /** The fingerprint running now. */
  current: string;
  intervalMs: number;
  /** Applies a changed config; a rejection keeps the previous fingerprint, so the next poll tries again. */
  onChange(loaded: LoadedConfig): Promise<void>;
  onError(err: Error): void;
}

/**
 * Re-reads the mounted files on an interval. Kubernetes updates a mounted ConfigMap or
 * Secret by swapping a symlink (no file event on the path itself), so polling is the
 * reliable way; the files are small. Changes apply one at a time, in order; a file that
 * does not load is reported once per distinct error and the running config is kept.
 */
export class ConfigWatcher {
  private readonly o: ConfigWatcherOptions;
  private current: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private lastError: string | undefined;

  constructor(opts: ConfigWatcherOptions) {
    this.o = opts;
    this.current = opts.current;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.o.intervalMs);
    this.timer.unref();
  }

  /** Loads now and applies a change; resolves once applied (or found unchanged). */
  check(): Promise<void> {
    this.running = this.running.then(() => this.poll());
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async poll(): Promise<void> {
    let loaded: LoadedConfig;
    try {
      loaded = loadConfig(this.o.configPath, this.o.secretsDir);
    } catch (err) {
      this.report(err);
      return;
    }
    if (loaded.fingerprint === this.current) {
      this.lastError = undefined;
      return;
    }
    try {
      await this.o.onChange(loaded);
      this.current = loaded.fingerprint;
      this.lastError = undefined;
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    if (e.message === this.lastError) return;
    this.lastError = e.message;
    this.o.onError(e);
  }
}
