/**
 * Informers: client-go's list+watch cache. An informer lists a resource (paged), then watches
 * from the list's resourceVersion with bookmarks, keeping a local store and calling handlers
 * for every change. After a watch ends it resumes from the last seen resourceVersion; after
 * "410 Gone" (its revision was compacted) it lists again and reports the difference as
 * add/update/delete, so handlers never miss a change, only intermediate states.
 *
 * Handlers run synchronously, in event order, after the store has been updated. They must be
 * cheap (enqueue a key into a WorkQueue) and must not mutate the objects they are given: the
 * store hands out the objects it holds.
 *
 * `InformerFactory` shares one informer per (resource, namespace, selectors) between every
 * controller of a process, like client-go's SharedInformerFactory: one watch and one copy of
 * each object, whatever the number of consumers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError, isGone, type StatusBody } from './errors';
import type { Logger } from './log';
import type { KubeClient, KubeObject, ResourceRef, WatchEvent } from './types';

export interface InformerOptions {
  namespace?: string | null;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  /** `oldObj` is the stored object before this event. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** `obj` is the last state seen (after a relist it may be older than the deletion). */
  onDelete?(obj: T): void;
}

export type IndexFunc<T> = (obj: T) => string[];

/** `namespace/name`, or `name` for cluster-scoped objects: client-go's MetaNamespaceKeyFunc. */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Splits a key made by keyOf into [namespace, name] ('' namespace for cluster-scoped). */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** Built-in index of every namespaced informer. */
export const BY_NAMESPACE = 'namespace';

const WATCH_TIMEOUT_MIN_S = 300;
const MAX_BACKOFF_MS = 30_000;

export class Informer<T extends KubeObject> {
  readonly ref: ResourceRef;
  private readonly objects = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private stopped = false;
  private started = false;
  private stopWatch: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lastRv = '';

  constructor(
    private readonly client: KubeClient,
    ref: ResourceRef,
    private readonly opts: InformerOptions,
    private readonly log: Logger,
  ) {
    this.ref = ref;
    if (ref.namespaced) this.addIndex(BY_NAMESPACE, (o) => [o.metadata?.namespace ?? '']);
  }

  /** Add an index; must be called before start(). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) return;
    if (this.started) throw new Error(`informer ${this.ref.plural}: index ${name} added after start`);
    this.indexers.set(name, fn);
    this.indices.set(name, new Map());
  }

  /** Register handlers. Those added after the initial sync get an onAdd per existing object. */
  addHandlers(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of this.objects.values()) h.onAdd?.(obj);
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  getByName(namespace: string, name: string): T | undefined {
    return this.objects.get(namespace && this.ref.namespaced ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  get size(): number {
    return this.objects.size;
  }

  /** Objects whose index `name` includes `value`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indices.get(name)?.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.objects.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** The resourceVersion of the last list or event applied. */
  get resourceVersion(): string {
    return this.lastRv;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has been applied. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = 500;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watchOnce();
        backoff = 500;
      } catch (err) {
        if (this.stopped) return;
        if (isGone(err)) {
          this.log.info({ resource: this.ref.plural }, 'watch revision compacted; listing again');
          needList = true;
          continue;
        }
        this.log.warn(
          { resource: this.ref.plural, err: (err as Error).message },
          'list/watch failed; retrying',
        );
        await sleep(Math.random() * backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.resource<T>(this.ref).listAll(this.opts.namespace ?? null, {
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
    });
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const obj of list.items) {
      // List items carry no apiVersion/kind; add them so handlers can tell kinds apart.
      fillTypeMeta(obj, this.ref);
      const key = keyOf(obj);
      seen.add(key);
      this.apply('put', key, obj);
    }
    for (const key of [...this.objects.keys()]) {
      if (!seen.has(key)) {
        const old = this.objects.get(key);
        if (old) this.apply('delete', key, old);
      }
    }
    this.lastRv = list.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(): Promise<void> {
    const timeoutSeconds = WATCH_TIMEOUT_MIN_S + Math.floor(Math.random() * WATCH_TIMEOUT_MIN_S);
    let failure: unknown = null;
    const handle = this.client.resource<T>(this.ref).watch(
      this.opts.namespace ?? null,
      {
        resourceVersion: this.lastRv,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      },
      (event: WatchEvent<T>) => {
        if (failure) return;
        failure = this.onEvent(event);
        if (failure) handle.close();
      },
    );
    this.stopWatch = () => handle.close();
    try {
      await handle.done;
    } finally {
      this.stopWatch = null;
    }
    if (failure) throw failure;
  }

  /** Applies one watch event; returns an error to end the watch with. */
  private onEvent(event: WatchEvent<T>): unknown {
    const obj = event.object;
    if (event.type === 'ERROR') {
      const status = obj as StatusBody;
      return new KubeApiError(status.code ?? 500, status, `watch ${this.ref.plural}`);
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.lastRv = rv;
    if (event.type === 'BOOKMARK') return null;
    fillTypeMeta(obj, this.ref);
    const key = keyOf(obj);
    if (event.type === 'DELETED') {
      if (this.objects.has(key)) this.apply('delete', key, obj);
    } else {
      this.apply('put', key, obj);
    }
    return null;
  }

  private apply(op: 'put' | 'delete', key: string, obj: T): void {
    const old = this.objects.get(key);
    if (op === 'put' && old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    if (old) this.unindex(key, old);
    if (op === 'put') {
      this.objects.set(key, obj);
      this.index(key, obj);
      for (const h of this.handlers) {
        if (old) h.onUpdate?.(old, obj);
        else h.onAdd?.(obj);
      }
    } else {
      this.objects.delete(key);
      for (const h of this.handlers) h.onDelete?.(obj);
    }
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name);
      if (!idx) continue;
      for (const value of fn(obj)) {
        let keys = idx.get(value);
        if (!keys) idx.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name);
      if (!idx) continue;
      for (const value of fn(obj)) {
        const keys = idx.get(value);
        keys?.delete(key);
        if (keys?.size === 0) idx.delete(value);
      }
    }
  }
}

function fillTypeMeta(obj: KubeObject, ref: ResourceRef): void {
  if (!obj.kind) obj.kind = ref.kind;
  if (!obj.apiVersion) obj.apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** One informer per (resource, namespace, selectors), shared by everyone in the process. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();

  constructor(
    readonly client: KubeClient,
    private readonly log: Logger,
  ) {}

  informer<T extends KubeObject>(ref: ResourceRef, opts: InformerOptions = {}): Informer<T> {
    const id = [
      ref.group,
      ref.version,
      ref.plural,
      opts.namespace ?? '',
      opts.labelSelector ?? '',
      opts.fieldSelector ?? '',
    ].join('|');
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new Informer<KubeObject>(this.client, ref, opts, this.log);
      this.informers.set(id, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Start every informer created so far (and not yet started). */
  start(): void {
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves once every informer created so far has synced. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
