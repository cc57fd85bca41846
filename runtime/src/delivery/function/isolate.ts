import type ivm from 'isolated-vm';
import { sourcePosition } from './decide.ts';
import { isolatedVm } from './ivm.ts';
import { installSandbox, type Driver, type SandboxLimits } from './sandbox.ts';
import { makeSha256 } from './sha256.ts';
import { FunctionCompileError } from './types.ts';

/** The name the user's code runs under: positions in errors read `function.js:line:column`. */
export const FILENAME = 'function.js';

const BOOTSTRAP = `(${installSandbox.toString()})((${makeSha256.toString()})())`;
const BOOTSTRAP_FILENAME = 'sluice-sandbox.js';

/** V8 code caches by content digest: an isolate restarted after a fatal error compiles from cache. */
const codeCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
const CODE_CACHE_ENTRIES = 64;

export interface SandboxSpec {
  name: string;
  source: string;
  digest: string;
  memoryLimitMb: number;
  /** Limit of the function's top-level code, run once per isolate. */
  topLevelTimeoutMs: number;
  limits: SandboxLimits;
  settingsJson: string;
}

type Ref<F> = ivm.Reference<F>;

/**
 * One isolate with the driver and the user's code loaded. Creation is synchronous (a few
 * milliseconds, more if the function's top-level code is heavy); the calls that run
 * handlers are asynchronous and run on isolated-vm's threads, off Node's event loop.
 */
export class Sandbox {
  readonly handlers: readonly string[];
  /** Id of the batch the isolate holds parsed, so passes over the same batch do not resend it. */
  loaded = -1;
  readonly #isolate: ivm.Isolate;
  readonly #start: Ref<Driver['start']>;
  readonly #collect: Ref<Driver['collect']>;

  private constructor(isolate: ivm.Isolate, start: Ref<Driver['start']>, collect: Ref<Driver['collect']>, handlers: string[]) {
    this.#isolate = isolate;
    this.#start = start;
    this.#collect = collect;
    this.handlers = handlers;
  }

  /** Throws FunctionCompileError when the user's code is at fault. */
  static create(spec: SandboxSpec): Sandbox {
    const isolate = new (isolatedVm().Isolate)({ memoryLimit: spec.memoryLimitMb });
    try {
      const context = isolate.createContextSync();
      const boot = compile(isolate, BOOTSTRAP, BOOTSTRAP_FILENAME, 'bootstrap');
      const driver = boot.runSync(context, { reference: true, timeout: 1000 }) as unknown as Ref<Driver>;
      const method = <K extends keyof Driver>(key: K): Ref<Driver[K]> => driver.getSync<{ reference: true }, K>(key, { reference: true });
      method('configure').applySync(undefined, [JSON.stringify(spec.limits), spec.settingsJson], { timeout: 1000 });

      let script: ivm.Script;
      try {
        script = compile(isolate, spec.source, FILENAME, spec.digest);
      } catch (err) {
        throw new FunctionCompileError(spec.name, sourcePosition(err, FILENAME), err);
      }
      try {
        script.runSync(context, { timeout: spec.topLevelTimeoutMs });
      } catch (err) {
        const p = sourcePosition(err, FILENAME);
        throw new FunctionCompileError(spec.name, { ...p, message: `running the top-level code: ${p.message}` }, err);
      }
      const bound = JSON.parse(method('bind').applySync(undefined, [], { timeout: 1000 })) as { handlers: string[]; problems: string[] };
      if (bound.problems.length > 0) throw new FunctionCompileError(spec.name, { message: bound.problems.join('; ') });
      if (bound.handlers.length === 0) {
        throw new FunctionCompileError(spec.name, {
          message: 'it defines no handler; expected at least one of onTrack, onIdentify, onPage, onScreen, onGroup, onAlias, onBatch',
        });
      }
      return new Sandbox(isolate, method('start'), method('collect'), bound.handlers);
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  get disposed(): boolean {
    return this.#isolate.isDisposed;
  }

  async start(eventsJson: string, from: number, count: number, timeoutMs: number): Promise<void> {
    await this.#start.apply(undefined, [eventsJson, from, count], { timeout: timeoutMs });
  }

  async collect(timeoutMs: number): Promise<unknown> {
    return this.#collect.apply(undefined, [], { timeout: timeoutMs });
  }

  dispose(): void {
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }
}

function compile(isolate: ivm.Isolate, source: string, filename: string, key: string): ivm.Script {
  const cached = codeCache.get(key);
  const script = isolate.compileScriptSync(source, cached ? { filename, cachedData: cached } : { filename, produceCachedData: true });
  const result = script as ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean };
  if (cached && result.cachedDataRejected === true) codeCache.delete(key);
  if (!cached && result.cachedData) {
    if (codeCache.size >= CODE_CACHE_ENTRIES) codeCache.delete(codeCache.keys().next().value!);
    codeCache.set(key, result.cachedData);
  }
  return script;
}
