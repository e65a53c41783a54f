import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../log';
import { createMemoryStore } from '../../store/memory';
import { StoreError, type Store, type WatchMessage } from '../../store/types';
import { ApiError } from '../errors';
import { type CacheEvent, type CacheWatcher, WatchCache, prefixEnd } from './watch-cache';

const log = createLogger('test', 'silent');
const PREFIX = '/registry/configmaps/';
const enc = (s: string) => Buffer.from(s);

/**
 * The memory store with one addition the real backends only show under failure: `breakWatches()`
 * ends every store watch with 'canceled', as a store that lost quorum or closed does.
 */
function breakableStore() {
  const store = createMemoryStore({ retentionSeconds: 3600, log });
  const listeners = new Set<{ listener: (m: WatchMessage) => void; cancel(): void }>();
  let watches = 0;
  const overrides: Partial<Store> = {};
  const wrapped = new Proxy(store, {
    get(target, name: keyof Store) {
      const own = overrides[name];
      if (own) return own;
      const v = target[name];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  overrides.watch = async (req, listener) => {
    watches++;
    const w = await store.watch(req, listener);
    const entry = { listener, cancel: () => w.cancel() };
    listeners.add(entry);
    return {
      requestProgress: () => w.requestProgress(),
      cancel() {
        listeners.delete(entry);
        w.cancel();
      },
    };
  };
  return {
    store: wrapped,
    overrides,
    get watches() {
      return watches;
    },
    async breakWatches() {
      const { header } = await store.status();
      for (const e of [...listeners]) {
        e.cancel();
        e.listener({
          type: 'canceled',
          header,
          error: new StoreError('unavailable', 'etcdserver: no leader'),
        });
      }
    },
  };
}

async function put(store: Store, name: string, data: Record<string, string> = {}) {
  const value = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data,
  });
  return (await store.put({ key: enc(`${PREFIX}default/${name}`), value: enc(value) })).header.revision;
}
async function del(store: Store, name: string) {
  return (await store.deleteRange({ key: enc(`${PREFIX}default/${name}`) })).header.revision;
}

/** A watcher that records what it receives. */
function recorder(): CacheWatcher & { events: CacheEvent[]; progress: number[]; closed: string[] } {
  const r = {
    events: [] as CacheEvent[],
    progress: [] as number[],
    closed: [] as string[],
    onEvent: (ev: CacheEvent) => r.events.push(ev),
    onProgress: (rev: number) => r.progress.push(rev),
    onClose: (reason: string) => r.closed.push(reason),
  };
  return r;
}

/** Wait (bounded) until `cond` holds; the cache applies store events asynchronously. */
async function until(cond: () => boolean, what: string, timeoutMs = 2000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const summary = (evs: CacheEvent[]) =>
  evs.map((e) => `${e.type} ${e.object.name}@${e.object.rv}${e.prev ? ` prev@${e.prev.rv}` : ''}`);

const caches: WatchCache[] = [];
function cache(store: Store, opts: { historyLimit?: number; pageSize?: number } = {}) {
  const c = new WatchCache({ store, prefix: PREFIX, log, ...opts });
  caches.push(c);
  return c;
}
afterEach(() => {
  for (const c of caches.splice(0)) c.close();
});

describe('WatchCache', () => {
  it('loads more objects than one store page at one revision', async () => {
    const { store } = breakableStore();
    for (let i = 0; i < 10; i++) await put(store, `cm-${i}`);
    // Outside the prefix: must not be loaded.
    await store.put({ key: enc('/registry/configmapsx/default/other'), value: enc('{}') });
    const rev = (await store.status()).header.revision;
    const c = cache(store, { pageSize: 3 });
    await c.start();
    expect(c.size).toBe(10);
    expect(c.rev).toBe(rev);
    const names: string[] = [];
    c.scan(PREFIX, prefixEnd(PREFIX), (o) => names.push(o.name) > 0);
    expect(names).toEqual([...Array(10).keys()].map((i) => `cm-${i}`).sort());
    expect(c.get(`${PREFIX}default/cm-3`)?.object.metadata?.resourceVersion).toBe(
      String(c.get(`${PREFIX}default/cm-3`)?.rv),
    );
  });

  it('turns store events into ADDED, MODIFIED and DELETED with the previous state', async () => {
    const { store } = breakableStore();
    const c = cache(store);
    await c.start();
    const w = recorder();
    c.watch({ fromRv: c.rev }, w);
    const r1 = await put(store, 'a');
    const r2 = await put(store, 'a', { k: 'v' });
    const r3 = await del(store, 'a');
    await c.waitFresh(r3);
    expect(summary(w.events)).toEqual([
      `ADDED a@${r1}`,
      `MODIFIED a@${r2} prev@${r1}`,
      `DELETED a@${r3} prev@${r2}`,
    ]);
    // DELETED carries the last state, stamped with the delete's revision (as kube-apiserver).
    expect(w.events[2]?.object.object.data).toEqual({ k: 'v' });
    expect(w.events[2]?.object.object.metadata?.resourceVersion).toBe(String(r3));
    expect(c.get(`${PREFIX}default/a`)).toBeUndefined();
  });

  it('replays history after a resourceVersion, then continues live', async () => {
    const { store } = breakableStore();
    const c = cache(store);
    await c.start();
    const r1 = await put(store, 'a');
    const r2 = await put(store, 'b');
    const r3 = await put(store, 'a', { x: '1' });
    await c.waitFresh(r3);
    const w = recorder();
    const sub = c.watch({ fromRv: r1 }, w);
    expect(sub.rev).toBe(r3);
    expect(summary(w.events)).toEqual([`ADDED b@${r2}`, `MODIFIED a@${r3} prev@${r1}`]);
    const r4 = await del(store, 'b');
    await c.waitFresh(r4);
    expect(summary(w.events).at(-1)).toBe(`DELETED b@${r4} prev@${r2}`);
    sub.stop();
    await put(store, 'c');
    await c.waitFresh(r4 + 1);
    expect(w.events).toHaveLength(3);
  });

  it('starts a state watch with ADDED for every object in the range', async () => {
    const { store } = breakableStore();
    await put(store, 'a');
    await store.put({
      key: enc(`${PREFIX}other/b`),
      value: enc('{"metadata":{"name":"b","namespace":"other"}}'),
    });
    const c = cache(store);
    await c.start();
    const w = recorder();
    const from = `${PREFIX}default/`;
    c.watch({ state: { from, to: prefixEnd(from) } }, w);
    expect(summary(w.events).map((s) => s.split('@')[0])).toEqual(['ADDED a']);
  });

  it.each([
    ['at the oldest kept revision', 0, false],
    ['one before the history', -1, true],
  ])('watch from %s (410 Expired: %s)', async (_what, offset, refused) => {
    const { store } = breakableStore();
    const c = cache(store, { historyLimit: 3 });
    await c.start();
    const revs: number[] = [];
    for (let i = 0; i < 6; i++) revs.push(await put(store, `cm-${i}`));
    await c.waitFresh(revs[5] ?? 0);
    // History keeps the last 3 events (revs[3..5]); a watch from revs[2] still misses nothing.
    const from = (revs[2] ?? 0) + offset;
    const w = recorder();
    if (refused) {
      let err: unknown;
      try {
        c.watch({ fromRv: from }, w);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(410);
      expect((err as ApiError).reason).toBe('Expired');
      expect((err as ApiError).message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    } else {
      c.watch({ fromRv: from }, w);
      expect(w.events.map((e) => e.object.name)).toEqual(['cm-3', 'cm-4', 'cm-5']);
    }
  });

  it('catches up on an idle prefix through a progress notification', async () => {
    const { store } = breakableStore();
    const c = cache(store);
    await c.start();
    const w = recorder();
    c.watch({ fromRv: c.rev }, w);
    // Writes elsewhere move the store's revision; this prefix sees no event.
    let rev = 0;
    for (let i = 0; i < 3; i++)
      rev = (await store.put({ key: enc(`/registry/secrets/default/s${i}`), value: enc('{}') })).header
        .revision;
    expect(c.rev).toBeLessThan(rev);
    await c.waitFresh(rev, 1000);
    expect(c.rev).toBeGreaterThanOrEqual(rev);
    expect(w.events).toEqual([]);
    expect(Math.max(...w.progress)).toBeGreaterThanOrEqual(rev);
  });

  it('answers 504 Timeout with Retry-After for a revision the store has not reached', async () => {
    const { store } = breakableStore();
    const c = cache(store);
    await c.start();
    const future = c.rev + 100;
    const err = await c.waitFresh(future, 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 504, reason: 'Timeout', headers: { 'retry-after': '1' } });
    expect((err as ApiError).message).toBe(`Too large resource version: ${future}, current: ${c.rev}`);
  });

  it('ends watchers and re-lists when the store watch is canceled', async () => {
    const s = breakableStore();
    const c = cache(s.store);
    await c.start();
    await put(s.store, 'a');
    const w = recorder();
    c.watch({ fromRv: c.rev }, w);
    await s.breakWatches();
    expect(w.closed).toEqual(['etcdserver: no leader']);
    expect(c.watcherCount).toBe(0);
    // While re-listing the cache refuses to serve (503) or is already back.
    await until(() => s.watches === 2, 'the re-list');
    await c.usable();
    // Writes made during and after the outage are all there.
    const r = await put(s.store, 'b');
    await c.waitFresh(r);
    expect(c.get(`${PREFIX}default/a`)).toBeDefined();
    expect(c.get(`${PREFIX}default/b`)?.rv).toBe(r);
    // A watcher from before the re-list resumes from history only if still covered.
    const w2 = recorder();
    c.watch({ fromRv: c.rev }, w2);
    const r2 = await put(s.store, 'c');
    await c.waitFresh(r2);
    expect(w2.events.map((e) => e.object.name)).toEqual(['c']);
  });

  it('reports 503 while it cannot re-list', async () => {
    const s = breakableStore();
    const c = cache(s.store);
    await c.start();
    const range = s.store.range.bind(s.store);
    let failing = true;
    s.overrides.range = (req) =>
      failing ? Promise.reject(new StoreError('unavailable', 'etcdserver: no leader')) : range(req);
    await s.breakWatches();
    const err = await c.usable().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    failing = false;
    await until(() => s.watches === 2, 'the re-list after back-off', 3000);
    await expect(c.usable()).resolves.toBeUndefined();
  });

  it('fans one store watch out to many watchers, each in revision order', async () => {
    const s = breakableStore();
    const c = cache(s.store);
    await c.start();
    const watchers = Array.from({ length: 200 }, () => recorder());
    for (const w of watchers) c.watch({ fromRv: c.rev }, w);
    let last = 0;
    for (let i = 0; i < 20; i++) last = await put(s.store, `cm-${i % 5}`, { i: String(i) });
    await c.waitFresh(last);
    expect(s.watches).toBe(1);
    const first = summary(watchers[0]?.events ?? []);
    expect(first).toHaveLength(20);
    const revs = (watchers[0]?.events ?? []).map((e) => e.object.rv);
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    for (const w of watchers) expect(summary(w.events)).toEqual(first);
    // Every watcher shares the same encoded object.
    expect(watchers[7]?.events[3]?.object).toBe(watchers[150]?.events[3]?.object);
    expect(watchers[7]?.events[3]?.object).toBeDefined();
  });

  it('ends watchers and waiters on close', async () => {
    const { store } = breakableStore();
    const c = cache(store);
    await c.start();
    const w = recorder();
    c.watch({ fromRv: c.rev }, w);
    c.close();
    expect(w.closed).toEqual(['the API server is shutting down']);
    await expect(c.usable()).rejects.toMatchObject({ code: 503 });
  });
});
