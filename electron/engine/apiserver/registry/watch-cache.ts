/**
 * The watch cache of one storage prefix (`/registry/pods/`), like kube-apiserver's cacher:
 * one list + one store watch, kept in memory, serving every LIST that does not ask for an
 * older snapshot and fanning every store event out to all API watchers — so a hundred
 * `kubectl get -w` or informers cost one store watch, not a hundred.
 *
 * Guarantees:
 * - `rev` only grows; after `waitFresh(r)` resolves, the cache reflects every write ≤ r.
 * - Watchers receive events in revision order with nothing missing between the revision they
 *   started from and the live stream (replay and subscription happen in one synchronous step).
 * - History keeps the last `historyLimit` events; a watch from an older revision is refused
 *   with 410 Expired, and clients re-list (what informers do).
 * - If the store watch breaks (compaction overtook us, the store closed or lost quorum), every
 *   watcher is ended and the cache re-lists with back-off; watchers reconnect and resume.
 */
import BTreeModule from 'sorted-btree';
import type { Logger } from '../../log';
import type { Store, Watch, WatchMessage } from '../../store/types';
import { expired, timeout, unavailable } from '../errors';
import { CachedObject } from './cached-object';

// sorted-btree is CommonJS with `exports.default` (see store/mvcc/key-index.ts).
const BTree = ((BTreeModule as unknown as { default?: typeof BTreeModule }).default ??
  BTreeModule) as typeof BTreeModule;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: WatchEventType;
  object: CachedObject;
  /** State before this event (for MODIFIED and DELETED). */
  prev?: CachedObject;
}

export interface CacheWatcher {
  /** Called synchronously, in revision order. Must not throw. */
  onEvent(ev: CacheEvent): void;
  /** Everything up to `rev` has been delivered (progress), for bookmarks. */
  onProgress?(rev: number): void;
  /** The cache stopped serving this watcher (store trouble or shutdown). */
  onClose(reason: string): void;
}

export interface WatchCacheOptions {
  store: Store;
  /** `/registry/pods/` — with the trailing slash. */
  prefix: string;
  log: Logger;
  /** Events kept for watches that resume from a past revision. */
  historyLimit?: number;
  /** Objects per store range page while listing. */
  pageSize?: number;
}

const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** The smallest key after every key starting with `prefix` (etcd's prefix range end). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export class WatchCache {
  private tree = new BTree<string, CachedObject>();
  private history: CacheEvent[] = [];
  /** Every event after this revision is in `history`. */
  private oldestRv = 0;
  private watchers = new Set<CacheWatcher>();
  private waiters: { rev: number; resolve(): void }[] = [];
  private storeWatch: Watch | null = null;
  private ready: Promise<void> | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Why the cache is not serving (set while re-listing after a failure). */
  private problem: string | null = null;
  /** Last revision the cache reflects. */
  rev = 0;

  private readonly historyLimit: number;
  private readonly pageSize: number;

  constructor(private readonly opts: WatchCacheOptions) {
    this.historyLimit = opts.historyLimit ?? 20_000;
    this.pageSize = opts.pageSize ?? 5_000;
  }

  get prefix(): string {
    return this.opts.prefix;
  }

  get size(): number {
    return this.tree.size;
  }

  /** Resolves once the initial list is loaded (idempotent). */
  start(): Promise<void> {
    this.ready ??= this.load();
    return this.ready;
  }

  private async load(): Promise<void> {
    const { store, prefix } = this.opts;
    const end = Buffer.from(prefixEnd(prefix));
    const tree = new BTree<string, CachedObject>();
    let rev = 0;
    let from = Buffer.from(prefix);
    for (;;) {
      const page = await store.range({
        key: from,
        rangeEnd: end,
        limit: this.pageSize,
        ...(rev ? { revision: rev } : {}),
      });
      if (!rev) rev = page.header.revision;
      for (const kv of page.kvs) {
        const key = utf8(kv.key);
        tree.set(key, CachedObject.decode(key, kv.value, kv.modRevision, prefix));
      }
      if (!page.more || page.kvs.length === 0) break;
      const last = page.kvs[page.kvs.length - 1];
      if (!last) break;
      from = Buffer.concat([Buffer.from(last.key), Buffer.from([0])]);
    }
    this.tree = tree;
    this.history = [];
    this.rev = rev;
    this.oldestRv = rev;
    this.problem = null;
    this.storeWatch = await store.watch(
      { key: Buffer.from(prefix), rangeEnd: end, startRevision: rev + 1, progressNotify: true },
      (msg) => this.onMessage(msg),
    );
    this.opts.log.debug({ prefix, objects: tree.size, rev }, 'watch cache loaded');
  }

  private onMessage(msg: WatchMessage) {
    if (this.closed) return;
    switch (msg.type) {
      case 'events':
        for (const ev of msg.events) {
          const key = utf8(ev.kv.key);
          const prev = this.tree.get(key);
          let event: CacheEvent;
          if (ev.type === 'put') {
            const object = CachedObject.decode(key, ev.kv.value, ev.kv.modRevision, this.opts.prefix);
            this.tree.set(key, object);
            event = prev ? { type: 'MODIFIED', object, prev } : { type: 'ADDED', object };
          } else {
            if (!prev) continue;
            this.tree.delete(key);
            event = { type: 'DELETED', object: prev.deletedAt(ev.kv.modRevision), prev };
          }
          this.record(event);
        }
        this.advance(msg.header.revision);
        return;
      case 'progress':
        this.advance(msg.header.revision);
        return;
      case 'compacted':
      case 'canceled':
        this.fail(msg.type === 'compacted' ? 'the store compacted past the watch cache' : msg.error.message);
    }
  }

  private record(event: CacheEvent) {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const drop = this.history.length - this.historyLimit;
      this.oldestRv = this.history[drop - 1]?.object.rv ?? this.oldestRv;
      this.history.splice(0, drop);
    }
    for (const w of this.watchers) w.onEvent(event);
  }

  private advance(rev: number) {
    if (rev <= this.rev) return;
    this.rev = rev;
    if (this.waiters.length) {
      const due = this.waiters.filter((w) => w.rev <= rev);
      this.waiters = this.waiters.filter((w) => w.rev > rev);
      for (const w of due) w.resolve();
    }
    for (const w of this.watchers) w.onProgress?.(rev);
  }

  /** Store trouble: end every watcher and re-list with back-off until it works again. */
  private fail(reason: string) {
    this.problem = reason;
    this.opts.log.warn({ prefix: this.opts.prefix, reason }, 'watch cache lost its store watch; re-listing');
    this.storeWatch?.cancel();
    this.storeWatch = null;
    this.endWatchers(reason);
    let delay = 200;
    const retry = () => {
      if (this.closed) return;
      this.ready = this.load();
      this.ready.catch((err: unknown) => {
        this.problem = (err as Error).message;
        delay = Math.min(delay * 2, 10_000);
        this.retryTimer = setTimeout(retry, delay);
      });
    };
    retry();
  }

  private endWatchers(reason: string) {
    const list = [...this.watchers];
    this.watchers.clear();
    for (const w of list) w.onClose(reason);
  }

  /**
   * Wait until the cache reflects revision `rev` (asking the store for a progress notification
   * so an idle prefix catches up too). 504 Timeout like kube-apiserver's "Too large resource
   * version" when it does not happen within `timeoutMs`.
   */
  async waitFresh(rev: number, timeoutMs = 3000): Promise<void> {
    await this.usable();
    if (this.rev >= rev) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(timeout(`Too large resource version: ${rev}, current: ${this.rev}`));
      }, timeoutMs);
      const waiter = {
        rev,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
      this.storeWatch?.requestProgress();
    });
  }

  /** Resolves when the cache is serving; 503 while it cannot reach the store. */
  async usable(): Promise<void> {
    if (this.closed) throw unavailable('the API server is shutting down');
    try {
      await this.start();
    } catch (err) {
      throw unavailable(`the watch cache for ${this.opts.prefix} is not ready: ${(err as Error).message}`);
    }
    if (this.problem)
      throw unavailable(`the watch cache for ${this.opts.prefix} is re-listing: ${this.problem}`);
  }

  get(key: string): CachedObject | undefined {
    return this.tree.get(key);
  }

  /** Objects with keys in [from, to), in key order, until `visit` returns false. */
  scan(from: string, to: string, visit: (o: CachedObject) => boolean) {
    for (const [, o] of this.tree.entries(from)) {
      if (o.key >= to) return;
      if (!visit(o)) return;
    }
  }

  /**
   * Subscribe. With `fromRv` the watcher first receives every recorded event after it
   * (410 Expired when older than the history); with 'state', an ADDED event per current object
   * in `[from, to)` first. Returns the revision the watcher starts after and a stop function.
   */
  watch(
    start: { fromRv: number } | { state: { from: string; to: string } },
    watcher: CacheWatcher,
  ): { rev: number; stop(): void } {
    if ('fromRv' in start) {
      if (start.fromRv < this.oldestRv) {
        throw expired(`too old resource version: ${start.fromRv} (${this.oldestRv})`);
      }
      for (const ev of this.history) if (ev.object.rv > start.fromRv) watcher.onEvent(ev);
    } else {
      this.scan(start.state.from, start.state.to, (object) => {
        watcher.onEvent({ type: 'ADDED', object });
        return true;
      });
    }
    this.watchers.add(watcher);
    return { rev: this.rev, stop: () => this.watchers.delete(watcher) };
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.storeWatch?.cancel();
    this.endWatchers('the API server is shutting down');
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}
