/**
 * The code that runs INSIDE the isolate, next to the user's function: the error classes
 * and toolbox the user sees, and the driver the host calls. The host injects it as source
 * (`installSandbox.toString()`), so nothing here may refer to anything outside the
 * function. There are no host callbacks: the isolate cannot reach back into Node, and the
 * only values that leave it are the strings `bind` and `collect` return.
 *
 * The user's code shares this context and could tamper with the driver's helpers; that
 * can only corrupt its own results, which the host validates (decide.ts) like any output.
 */

/** Bounds the driver applies; sent once per isolate by the host. */
export interface SandboxLimits {
  maxPayloadBytes: number;
  maxLogLines: number;
  maxLogChars: number;
  maxReasonChars: number;
}

/** What the host calls, through References, never exposed as a global. */
export interface Driver {
  configure(limitsJson: string, settingsJson: string): void;
  /** After the user's script ran: `{"handlers": [...], "problems": [...]}`. */
  bind(): string;
  /** Starts handling events[from, from + count); `eventsJson` is '' to reuse the last batch. */
  start(eventsJson: string, from: number, count: number): void;
  /** Results since the last collect (see CollectedText in decide.ts), then forgets them. */
  collect(): string;
}

type Handler = (...args: unknown[]) => unknown;

export function installSandbox(sha256: (text: string) => string): Driver {
  const g = globalThis as unknown as Record<string, unknown>;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const indirectEval = g.eval as (code: string) => unknown;
  const isArray = Array.isArray;
  const POSITION = /function\.js:(\d+):(\d+)/;
  const HANDLERS: Record<string, string> = {
    track: 'onTrack',
    identify: 'onIdentify',
    page: 'onPage',
    screen: 'onScreen',
    group: 'onGroup',
    alias: 'onAlias',
  };
  const TYPED: Record<string, string> = {
    DropEvent: 'drop',
    EventNotSupported: 'drop',
    InvalidEventPayload: 'invalid',
    ValidationError: 'invalid',
    RetryError: 'retry',
  };

  let limits: SandboxLimits = { maxPayloadBytes: 262144, maxLogLines: 50, maxLogChars: 1000, maxReasonChars: 1000 };
  let settings: unknown = {};
  let handlers: Record<string, Handler> = {};
  let batchHandler: Handler | undefined;
  let events: unknown[] = [];
  let generation = 0;
  let current = 0;
  let next = 0;
  let done = true;
  let parts: string[] = [];
  let batchPart = '';
  let logs: Array<{ level: string; message: string; messageId?: string }> = [];
  let droppedLogs = 0;

  // Segment's error names, so functions written for Segment run unchanged.
  const defineError = (name: string) => {
    const C = class extends Error {
      constructor(message?: string) {
        super(message);
        this.name = name;
      }
    };
    Object.defineProperty(C, 'name', { value: name });
    return C;
  };
  const globals: Record<string, unknown> = {};
  for (const name of Object.keys(TYPED)) globals[name] = defineError(name);

  const base64 = (hex: string) => {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let out = '';
    for (let i = 0; i < hex.length; i += 6) {
      const chunk = hex.slice(i, i + 6);
      const n = parseInt(chunk.padEnd(6, '0'), 16);
      const chars = chunk.length === 6 ? 4 : chunk.length === 4 ? 3 : 2;
      for (let j = 0; j < 4; j++) out += j < chars ? abc[(n >> (18 - 6 * j)) & 63] : '=';
    }
    return out;
  };
  globals.crypto = Object.freeze({
    sha256: (text: unknown) => sha256(String(text)),
    createHash(algorithm: unknown) {
      if (String(algorithm).toLowerCase() !== 'sha256') throw new Error(`crypto.createHash: only "sha256" is available in the sandbox, not "${String(algorithm)}"`);
      let data = '';
      const hash = {
        update(chunk: unknown) {
          data += String(chunk);
          return hash;
        },
        digest(encoding?: unknown) {
          const hex = sha256(data);
          if (encoding === 'hex') return hex;
          if (encoding === 'base64') return base64(hex);
          throw new Error('crypto.createHash(...).digest: use "hex" or "base64"');
        },
      };
      return hash;
    },
  });

  const truncate = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);
  const preview = (v: unknown): string => {
    try {
      const s = typeof v === 'string' ? stringify(v) : typeof v === 'object' && v !== null ? stringify(v) : String(v);
      return truncate(typeof s === 'string' ? s : String(v), 200);
    } catch {
      return Object.prototype.toString.call(v);
    }
  };
  const messageIdOf = (e: unknown) => {
    const id = typeof e === 'object' && e !== null ? (e as Record<string, unknown>).messageId : undefined;
    return typeof id === 'string' ? id.slice(0, 100) : undefined;
  };

  const log = (level: string) => (...args: unknown[]) => {
    if (logs.length >= limits.maxLogLines) {
      droppedLogs++;
      return;
    }
    let message = '';
    for (let i = 0; i < args.length && message.length <= limits.maxLogChars; i++) {
      const a = args[i];
      message += (i > 0 ? ' ' : '') + (typeof a === 'string' ? a : preview(a));
    }
    const line: { level: string; message: string; messageId?: string } = { level, message: truncate(message, limits.maxLogChars) };
    const id = done || current < 0 ? undefined : messageIdOf(events[current]);
    if (id !== undefined) line.messageId = id;
    logs[logs.length] = line;
  };
  globals.console = Object.freeze({ log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') });

  for (const name of Object.keys(globals)) {
    Object.defineProperty(g, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
  }
  // Shared memory can block a thread beyond the reach of the time limit; WebAssembly can make shared memory.
  for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly']) delete g[name];

  const part = (kind: string, reason: string, code?: string) =>
    `{"k":"${kind}"${code ? `,"c":"${code}"` : ''},"r":${stringify(truncate(reason, limits.maxReasonChars))}}`;

  const utf8Length = (s: string) => {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
    }
    return n;
  };

  const output = (handler: string, value: unknown): string => {
    if (value === undefined || value === null) return part('drop', `${handler} returned nothing, so the event is not sent`);
    let json: unknown;
    try {
      json = stringify(value);
    } catch (err) {
      return part('error', `${handler} returned a value that cannot be serialised as JSON: ${describe(err)}`, 'output');
    }
    if (typeof json !== 'string') return part('error', `${handler} returned a ${typeof value}, which is not JSON`, 'output');
    if (json.length * 3 > limits.maxPayloadBytes) {
      const size = utf8Length(json);
      if (size > limits.maxPayloadBytes) {
        return part('error', `${handler} returned ${size} bytes of JSON, over the limit of ${limits.maxPayloadBytes}`, 'output');
      }
    }
    return `{"k":"ok","p":${json}}`;
  };

  function describe(err: unknown): string {
    try {
      const e = err as Record<string, unknown>;
      if (typeof err !== 'object' || err === null || !(err instanceof Error || typeof e.message === 'string')) return `threw a non-Error value: ${preview(err)}`;
      const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
      const message = typeof e.message === 'string' ? e.message : preview(err);
      const where = typeof e.stack === 'string' ? POSITION.exec(e.stack) : null;
      return `${name}: ${message}${where ? ` at line ${where[1]}, column ${where[2]}` : ''}`;
    } catch {
      return 'threw a value that cannot be inspected';
    }
  }

  const thrown = (handler: string, err: unknown): string => {
    try {
      let name = '';
      let message = '';
      if (typeof err === 'object' && err !== null) {
        const e = err as Record<string, unknown>;
        name = typeof e.name === 'string' ? e.name : '';
        if (!(name in TYPED) && typeof e.constructor === 'function') name = e.constructor.name;
        message = typeof e.message === 'string' ? e.message : '';
      }
      const kind = Object.prototype.hasOwnProperty.call(TYPED, name) ? TYPED[name] : undefined;
      const said = message ? `: ${message}` : '';
      if (kind === 'drop') return part('drop', name === 'DropEvent' ? `${handler} dropped the event${said}` : `${handler}: event not supported${said}`);
      if (kind === 'invalid') return part('invalid', `${handler} rejected the event as invalid (${name})${said}`);
      if (kind === 'retry') return part('retry', `${handler} asked to retry later${said}`);
      return part('error', `running ${handler}: ${describe(err)}`, 'threw');
    } catch {
      return part('error', `running ${handler}: threw a value that cannot be inspected`, 'threw');
    }
  };

  const isThenable = (v: unknown): v is PromiseLike<unknown> =>
    (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

  const call = async (handler: Handler, arg: unknown): Promise<{ ok: true; value: unknown } | { ok: false; err: unknown }> => {
    try {
      const returned = handler(arg, settings);
      return { ok: true, value: isThenable(returned) ? await returned : returned };
    } catch (err) {
      return { ok: false, err };
    }
  };

  const runEach = async (gen: number, from: number, end: number) => {
    for (let i = from; i < end; i++) {
      current = i;
      const event = events[i];
      const type = typeof event === 'object' && event !== null ? (event as Record<string, unknown>).type : undefined;
      const name = typeof type === 'string' && Object.prototype.hasOwnProperty.call(HANDLERS, type) ? HANDLERS[type]! : `on(${String(type)})`;
      const handler = typeof type === 'string' && Object.prototype.hasOwnProperty.call(handlers, type) ? handlers[type] : undefined;
      let result: string;
      if (!handler) {
        result = part('drop', `no ${name} handler: ${String(type)} events are not supported by this function (EventNotSupported)`);
      } else {
        const r = await call(handler, event);
        if (gen !== generation) return;
        result = r.ok ? output(name, r.value) : thrown(name, r.err);
      }
      parts[parts.length] = result;
      next = i + 1;
    }
    done = true;
  };

  const runBatch = async (gen: number, from: number, end: number, handler: Handler) => {
    // Log lines from onBatch belong to no single event.
    current = -1;
    const r = await call(handler, events.slice(from, end));
    if (gen !== generation) return;
    if (!r.ok) {
      batchPart = thrown('onBatch', r.err);
    } else if (!isArray(r.value) || r.value.length !== end - from) {
      const got = isArray(r.value) ? `${r.value.length} results` : r.value === null ? 'null' : typeof r.value;
      batchPart = part('error', `onBatch returned ${got}; expected an array of ${end - from} results, one per event, in order`, 'output');
    } else {
      const values = r.value as unknown[];
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        parts[parts.length] = v instanceof Error ? thrown('onBatch', v) : output('onBatch', v);
      }
    }
    next = end;
    done = true;
  };

  const deepFreeze = (v: unknown): unknown => {
    if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
      Object.freeze(v);
      for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    }
    return v;
  };

  return {
    configure(limitsJson, settingsJson) {
      limits = parse(limitsJson) as SandboxLimits;
      settings = deepFreeze(parse(settingsJson));
    },
    bind() {
      const names = [...Object.values(HANDLERS), 'onBatch'];
      const found = indirectEval(`({ ${names.map((n) => `${n}: typeof ${n} === 'undefined' ? undefined : ${n}`).join(', ')} })`) as Record<string, unknown>;
      const present: string[] = [];
      const problems: string[] = [];
      handlers = {};
      for (const [type, n] of Object.entries(HANDLERS)) {
        const h = found[n];
        if (h === undefined) continue;
        if (typeof h === 'function') {
          handlers[type] = h as Handler;
          present.push(n);
        } else problems.push(`${n} is a ${typeof h}, not a function`);
      }
      const b = found.onBatch;
      if (typeof b === 'function') {
        batchHandler = b as Handler;
        present.push('onBatch');
      } else if (b !== undefined) problems.push(`onBatch is a ${typeof b}, not a function`);
      return stringify({ handlers: present, problems });
    },
    start(eventsJson, from, count) {
      const gen = ++generation;
      if (eventsJson !== '') events = parse(eventsJson) as unknown[];
      parts = [];
      batchPart = '';
      current = from;
      next = from;
      done = false;
      const end = Math.min(events.length, from + count);
      void (batchHandler ? runBatch(gen, from, end, batchHandler) : runEach(gen, from, end));
    },
    collect() {
      let list = '';
      for (let i = 0; i < parts.length; i++) list += (i > 0 ? ',' : '') + parts[i];
      const text = `{"done":${done},"next":${next},"batch":${batchPart || 'null'},"parts":[${list}],"logs":${stringify(logs)},"droppedLogs":${droppedLogs}}`;
      parts = [];
      batchPart = '';
      logs = [];
      droppedLogs = 0;
      return text;
    },
  };
}
