import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../store/types';
import { type TestApi, type WatchEvent, pod, startTestApi } from './testing';

// Bookmarks every 150 ms instead of every 30 s; read by watch.ts when it is first imported.
vi.hoisted(() => {
  process.env.PILOTHOUSE_BOOKMARK_INTERVAL_MS = '150';
});

let t: TestApi;
/** Revision of a write made before the API started: older than any watch cache's history. */
let beforeStart = 0;
beforeAll(async () => {
  t = await startTestApi({
    async before(store: Store) {
      for (let i = 0; i < 5; i++) {
        beforeStart = (
          await store.put({ key: Buffer.from(`/registry/leases/x/l${i}`), value: Buffer.from('{}') })
        ).header.revision;
      }
    },
  });
  for (const ns of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7']) {
    expect((await t.request('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

const pods = (ns: string) => `/api/v1/namespaces/${ns}/pods`;
const brief = (e: WatchEvent) => `${e.type} ${e.object?.metadata?.name ?? ''}`;

async function create(ns: string, name: string, labels?: Record<string, string>): Promise<number> {
  const r = await t.request('POST', pods(ns), pod(name, labels ? { labels } : {}));
  expect(r.status, r.text).toBe(201);
  return Number(r.json.metadata.resourceVersion);
}
async function label(ns: string, name: string, labels: Record<string, string | null>) {
  const r = await t.request(
    'PATCH',
    `${pods(ns)}/${name}`,
    { metadata: { labels } },
    { 'content-type': 'application/merge-patch+json' },
  );
  expect(r.status, r.text).toBe(200);
  return r.json;
}

/** Next events, skipping bookmarks. */
async function nextEvents(w: { next(ms?: number): Promise<WatchEvent> }, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for (let guard = 0; out.length < n && guard < 100; guard++) {
    const e = await w.next();
    if (e.type !== 'BOOKMARK') out.push(e);
  }
  return out;
}

describe('WATCH', () => {
  it('without resourceVersion: the current state as ADDED, then every change', async () => {
    await create('w1', 'a');
    await create('w1', 'b');
    await create('w2', 'elsewhere');
    const w = await t.watch(`${pods('w1')}?watch=true`);
    expect(w.status).toBe(200);
    expect(w.headers['content-type']).toBe('application/json');
    expect(w.headers['transfer-encoding']).toBe('chunked');
    expect((await nextEvents(w, 2)).map(brief)).toEqual(['ADDED a', 'ADDED b']);
    await label('w1', 'a', { x: '1' });
    expect((await t.request('DELETE', `${pods('w1')}/b`)).status).toBe(200);
    await create('w1', 'c');
    const evs = await nextEvents(w, 3);
    expect(evs.map(brief)).toEqual(['MODIFIED a', 'DELETED b', 'ADDED c']);
    expect(evs[0]?.object.metadata.labels).toEqual({ x: '1' });
    const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    w.close();
  });

  it('from resourceVersion N: every change after N, nothing before', async () => {
    const rv = await create('w2', 'r1');
    await create('w2', 'r2');
    await label('w2', 'r1', { y: '2' });
    const w = await t.watch(`/api/v1/watch/namespaces/w2/pods?resourceVersion=${rv}`);
    expect((await nextEvents(w, 2)).map(brief)).toEqual(['ADDED r2', 'MODIFIED r1']);
    w.close();
  });

  it('from a resourceVersion older than the cache keeps: an ERROR event with 410 Expired, then the end', async () => {
    const w = await t.watch(`${pods('w2')}?watch=1&resourceVersion=${beforeStart - 1}`);
    expect(w.status).toBe(200);
    const [ev] = await w.rest();
    expect(ev?.type).toBe('ERROR');
    expect(ev?.object).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 410,
      reason: 'Expired',
    });
    expect(ev?.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('sends periodic BOOKMARKs carrying only a resourceVersion when allowed', async () => {
    const rv = await create('w3', 'bm');
    const w = await t.watch(`${pods('w3')}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`);
    let bookmark: WatchEvent | undefined;
    for (let i = 0; i < 10 && !bookmark; i++) {
      const e = await w.next(2000);
      if (e.type === 'BOOKMARK') bookmark = e;
    }
    expect(bookmark?.object).toEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
    });
    expect(Number(bookmark?.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);
    w.close();
    // Without allowWatchBookmarks, none.
    const quiet = await t.watch(`${pods('w3')}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    expect((await quiet.rest()).filter((e) => e.type === 'BOOKMARK')).toEqual([]);
  });

  it('sendInitialEvents: the state, then a BOOKMARK annotated k8s.io/initial-events-end, then changes', async () => {
    await create('w4', 'i1');
    await create('w4', 'i2');
    const w = await t.watch(
      `${pods('w4')}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
    );
    const first = [await w.next(), await w.next(), await w.next()];
    expect(first.map(brief)).toEqual(['ADDED i1', 'ADDED i2', 'BOOKMARK ']);
    const end = first[2]?.object;
    expect(end.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(Number(end.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(first[1]?.object.metadata.resourceVersion),
    );
    await create('w4', 'i3');
    expect((await nextEvents(w, 1)).map(brief)).toEqual(['ADDED i3']);
    w.close();
  });

  it.each([
    [
      'sendInitialEvents=true',
      'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    ],
    [
      'resourceVersionMatch=NotOlderThan',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    ],
    [
      'sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=Exact',
      'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
    ],
  ])('%s → 422 (validateWatchOptions)', async (q, message) => {
    const r = await t.request('GET', `${pods('w4')}?watch=true&${q}`);
    expect(r.status).toBe(422);
    expect(r.json.message).toContain(message);
  });

  it('sendInitialEvents=false: no synthetic state, only changes', async () => {
    const w = await t.watch(
      `${pods('w4')}?watch=true&sendInitialEvents=false&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
    );
    await create('w4', 'i4');
    expect((await nextEvents(w, 1)).map(brief)).toEqual(['ADDED i4']);
    w.close();
  });

  it('an object that stops matching the selector arrives as DELETED, and as ADDED when it matches again', async () => {
    await create('w5', 's1', { app: 'web' });
    await create('w5', 's2', { app: 'db' });
    const w = await t.watch(`${pods('w5')}?watch=true&labelSelector=app%3Dweb`);
    expect((await nextEvents(w, 1)).map(brief)).toEqual(['ADDED s1']);
    const left = await label('w5', 's1', { app: 'db' });
    await label('w5', 's2', { app: 'db', other: 'x' }); // never matched: nothing
    await label('w5', 's2', { app: 'web' });
    const evs = await nextEvents(w, 2);
    expect(evs.map(brief)).toEqual(['DELETED s1', 'ADDED s2']);
    // The DELETED event carries the new state (the one that no longer matches).
    expect(evs[0]?.object.metadata.labels).toEqual({ app: 'db' });
    expect(evs[0]?.object.metadata.resourceVersion).toBe(left.metadata.resourceVersion);
    w.close();
  });

  it('timeoutSeconds ends the stream', async () => {
    const started = Date.now();
    const w = await t.watch(`${pods('w5')}?watch=true&resourceVersion=0&timeoutSeconds=1`);
    await w.rest(4000);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3000);
  });

  it.each([
    ['/api/v1/watch/namespaces/w6/pods/one', 'legacy /watch/ path with a name'],
    [
      '/api/v1/namespaces/w6/pods?watch=true&fieldSelector=metadata.name%3Done',
      'fieldSelector=metadata.name',
    ],
  ])('%s (%s) sees only that object', async (path) => {
    const w = await t.watch(path);
    await create('w6', 'two');
    await create('w6', 'one');
    const [ev] = await nextEvents(w, 1);
    expect(brief(ev as WatchEvent)).toBe('ADDED one');
    expect((await t.request('DELETE', `${pods('w6')}/two`)).status).toBe(200);
    expect((await t.request('DELETE', `${pods('w6')}/one`)).status).toBe(200);
    expect((await nextEvents(w, 1)).map(brief)).toEqual(['DELETED one']);
    w.close();
  });

  it('serves Table events for kubectl get -w', async () => {
    await create('w7', 'tbl');
    const w = await t.watch(`${pods('w7')}?watch=true`, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    const ev = await w.next();
    expect(ev.type).toBe('ADDED');
    expect(ev.object).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(ev.object.rows[0].cells[0]).toBe('tbl');
    expect(ev.object.columnDefinitions.length).toBeGreaterThan(0);
    w.close();
  });
});
