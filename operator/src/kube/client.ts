import type { Registry } from 'prom-client';
import type { ClusterConfig } from './config.ts';
import { isNotFound, KubeApiError, type ApiStatus } from './errors.ts';
import { kubeMetrics } from './metrics.ts';
import { apiVersionOf, resourceName, resourcePath, type ResourceType } from './resources.ts';
import { Transport, type Query } from './transport.ts';
import type { KubeList, KubeObject } from './types.ts';

export interface ListOptions {
  /** Omit to list a namespaced kind across all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; `continue` from the previous page fetches the next. */
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version (from a list or the last event seen). */
  resourceVersion: string;
  /** The server ends the watch after this long; the caller re-watches. */
  timeoutSeconds: number;
  signal: AbortSignal;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: { metadata: { resourceVersion: string } } }
  | { type: 'ERROR'; object: ApiStatus };

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}

export type Patch =
  | { type: 'merge'; body: unknown }
  | { type: 'strategic'; body: unknown }
  | { type: 'json'; ops: JsonPatchOp[] };

const PATCH_CONTENT_TYPE: Record<Patch['type'], string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface ApplyOptions {
  fieldManager: string;
  /** Take over fields another manager owns instead of failing with a conflict. */
  force: boolean;
  subresource?: 'status';
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Refuse to delete anything but this exact object (uid) or version (resourceVersion). */
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

/** Typed get/list/create/replace/apply/patch/delete/watch for one kind. */
export class ResourceClient<T extends KubeObject> {
  readonly type: ResourceType<T>;
  private readonly transport: Transport;
  private readonly defaultNamespace: string;

  constructor(transport: Transport, type: ResourceType<T>) {
    this.transport = transport;
    this.type = type;
    this.defaultNamespace = transport.config.namespace;
  }

  /** The object, or undefined when it does not exist. */
  async get(name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.transport.json<T>({ method: 'GET', path: this.path(namespace, name) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One page. */
  async list(opts: ListOptions = {}): Promise<KubeList<T>> {
    const res = await this.transport.json<{ items: T[] | null; metadata: { resourceVersion: string; continue?: string } }>({
      method: 'GET',
      path: resourcePath(this.type, { namespace: opts.namespace }),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue },
    });
    const kind = this.type.kind;
    const apiVersion = apiVersionOf(this.type);
    // List items come without apiVersion/kind; fill them in so cached objects are self-describing.
    const items = (res.items ?? []).map((i) => ({ ...i, apiVersion, kind }));
    return { items, resourceVersion: res.metadata.resourceVersion, ...(res.metadata.continue ? { continue: res.metadata.continue } : {}) };
  }

  /** Every page, as one consistent snapshot (the server serves continuations from one version). */
  async listAll(opts: Omit<ListOptions, 'continue'> = {}): Promise<KubeList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    for (;;) {
      const page = await this.list({ limit: 500, ...opts, continue: cont });
      items.push(...page.items);
      if (!page.continue) return { items, resourceVersion: page.resourceVersion };
      cont = page.continue;
    }
  }

  create(obj: T): Promise<T> {
    return this.transport.json<T>({ method: 'POST', path: this.path(obj.metadata.namespace), body: this.stamp(obj) });
  }

  /** PUT: fails with 409 Conflict when metadata.resourceVersion is set and stale. */
  replace(obj: T, subresource?: 'status'): Promise<T> {
    return this.transport.json<T>({ method: 'PUT', path: this.path(obj.metadata.namespace, obj.metadata.name, subresource), body: this.stamp(obj) });
  }

  /** Server-side apply: the server merges `obj` as the intent of `fieldManager`. */
  apply(obj: Partial<T> & KubeObject, opts: ApplyOptions): Promise<T> {
    return this.transport.json<T>({
      method: 'PATCH',
      path: this.path(obj.metadata.namespace, obj.metadata.name, opts.subresource),
      query: { fieldManager: opts.fieldManager, force: opts.force || undefined },
      body: this.stamp(obj),
      contentType: 'application/apply-patch+yaml',
    });
  }

  patch(name: string, namespace: string | undefined, patch: Patch, opts: { subresource?: 'status'; fieldManager?: string } = {}): Promise<T> {
    return this.transport.json<T>({
      method: 'PATCH',
      path: this.path(namespace, name, opts.subresource),
      query: { fieldManager: opts.fieldManager },
      body: patch.type === 'json' ? patch.ops : patch.body,
      contentType: PATCH_CONTENT_TYPE[patch.type],
    });
  }

  /** True when deleted (or deletion started), false when it was already gone. */
  async delete(name: string, namespace?: string, opts: DeleteOptions = {}): Promise<boolean> {
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...opts };
    try {
      await this.transport.json<unknown>({ method: 'DELETE', path: this.path(namespace, name), body });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Streams watch events until the server ends the watch, the signal aborts, or the stream fails. */
  async *watch(opts: WatchOptions): AsyncGenerator<WatchEvent<T>> {
    const query: Query = {
      watch: true,
      allowWatchBookmarks: true,
      resourceVersion: opts.resourceVersion,
      timeoutSeconds: opts.timeoutSeconds,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
    };
    const body = await this.transport.stream({
      method: 'GET',
      path: resourcePath(this.type, { namespace: opts.namespace }),
      query,
      signal: opts.signal,
      timeoutMs: 0,
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (opts.signal.aborted) throw err;
          // The connection broke mid-stream: "no answer", so the caller re-watches from its version.
          throw new KubeApiError(`watching ${resourceName(this.type)}: the stream broke: ${describeError(err)}`, 0, 'StreamBroken', { cause: err });
        }
        const { value, done } = chunk;
        if (done) {
          // An aborted request can end its body quietly: that is the abort, not the server closing the watch.
          if (opts.signal.aborted) throw opts.signal.reason;
          return;
        }
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  private path(namespace: string | undefined, name?: string, subresource?: string): string {
    const ns = this.type.namespaced ? (namespace ?? this.defaultNamespace) : undefined;
    return resourcePath(this.type, { namespace: ns, name, subresource });
  }

  private stamp<O extends KubeObject | Partial<T>>(obj: O): O {
    return { ...obj, apiVersion: apiVersionOf(this.type), kind: this.type.kind };
  }

  toString(): string {
    return resourceName(this.type);
  }
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

/** The one entry point to the API server: `client.resource(Resources.sources).get(...)`. */
export class KubeClient {
  readonly config: ClusterConfig;
  readonly transport: Transport;
  private readonly clients = new Map<ResourceType, ResourceClient<KubeObject>>();

  /** With a registry, every request counts in sluice_operator_api_requests_total. */
  constructor(config: ClusterConfig, opts: { registry?: Registry } = {}) {
    this.config = config;
    this.transport = new Transport(config);
    if (opts.registry) {
      const requests = kubeMetrics(opts.registry).apiRequests;
      this.transport.observe((method, status) => requests.inc({ method, code: String(status) }));
    }
  }

  resource<T extends KubeObject>(type: ResourceType<T>): ResourceClient<T> {
    let c = this.clients.get(type);
    if (!c) {
      c = new ResourceClient<KubeObject>(this.transport, type);
      this.clients.set(type, c);
    }
    return c as unknown as ResourceClient<T>;
  }
}
