/**
 * Conformance: watch — from now, from a past revision, prev_kv, filters, key vs range, one
 * revision's events together, delete event shape, progress requests, cancel. etcd 3.4
 * semantics (mvcc/watchable_store.go, api/v3rpc/watch.go).
 */
import { expect, it } from 'vitest';
import type { WatchEvent } from '../types';
import { b, str, type Ctx } from './context';
import { quietFor, record } from './watcher';
import { must } from '../testing/must';

/** [type, key without prefix, relative mod revision, value, prev value or null] */
function brief(ctx: Ctx, e: WatchEvent): [string, string, number, string, string | null] {
  return [
    e.type,
    str(e.kv.key).slice(ctx.prefix.length),
    ctx.rel(e.kv.modRevision),
    str(e.kv.value),
    e.prevKv ? str(e.prevKv.value) : null,
  ];
}

export function watchSuite(c: () => Ctx): void {
  it('delivers changes after the current revision, in order', async () => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('a'), value: b('before') });
    const w = await record(ctx.store, { key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    await ctx.store.put({ key: ctx.k('b'), value: b('2') });
    await ctx.store.deleteRange({ key: ctx.k('a') });
    const events = await w.untilEvents(3);
    w.watch.cancel();
    expect(events.map((e) => brief(ctx, e))).toEqual([
      ['put', 'a', 2, '1', null],
      ['put', 'b', 3, '2', null],
      ['delete', 'a', 4, '', null],
    ]);
    // Each event's batch header is at least its revision.
    for (const m of w.messages)
      if (m.type === 'events')
        expect(m.header.revision).toBeGreaterThanOrEqual(must(m.events[0]).kv.modRevision);
  });

  it('replays history from a past revision with prev_kv, then goes on live', async () => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('a'), value: b('1') }); // 1
    await ctx.store.put({ key: ctx.k('a'), value: b('2') }); // 2
    await ctx.store.put({ key: ctx.k('b'), value: b('x') }); // 3
    await ctx.store.deleteRange({ key: ctx.k('a') }); // 4
    const w = await record(ctx.store, {
      key: ctx.prefix,
      rangeEnd: ctx.prefixEnd,
      startRevision: ctx.abs(2),
      prevKv: true,
    });
    await ctx.store.put({ key: ctx.k('a'), value: b('3') }); // 5
    const events = await w.untilEvents(4);
    w.watch.cancel();
    expect(events.map((e) => brief(ctx, e))).toEqual([
      ['put', 'a', 2, '2', '1'],
      ['put', 'b', 3, 'x', null],
      ['delete', 'a', 4, '', '2'],
      ['put', 'a', 5, '3', null],
    ]);
  });

  it('describes a deleted key with the delete revision, no value, version 0 and no lease', async () => {
    const ctx = c();
    const lease = await ctx.grant(60);
    await ctx.store.put({ key: ctx.k('a'), value: b('v'), lease: lease.id });
    const w = await record(ctx.store, { key: ctx.k('a'), prevKv: true });
    await ctx.store.deleteRange({ key: ctx.k('a') });
    const [e] = await w.untilEvents(1);
    w.watch.cancel();
    const ev = must(e);
    expect({ ...ev.kv, key: str(ev.kv.key).slice(ctx.prefix.length), value: str(ev.kv.value) }).toEqual({
      key: 'a',
      value: '',
      createRevision: 0,
      modRevision: ctx.abs(2),
      version: 0,
      lease: 0,
    });
    expect(e?.prevKv).toMatchObject({ version: 1, lease: lease.id, createRevision: ctx.abs(1) });
  });

  it.each([
    ['noput', ['delete']],
    ['nodelete', ['put', 'put']],
  ] as const)('filters out %s events', async (filter, types) => {
    const ctx = c();
    const w = await record(ctx.store, { key: ctx.k('a'), filters: [filter] });
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    await ctx.store.put({ key: ctx.k('a'), value: b('2') });
    await ctx.store.deleteRange({ key: ctx.k('a') });
    await ctx.store.put({ key: ctx.k('b'), value: b('marker') });
    // A second watch without filters tells when everything has been delivered.
    const all = await record(ctx.store, {
      key: ctx.prefix,
      rangeEnd: ctx.prefixEnd,
      startRevision: ctx.abs(1),
    });
    await all.untilEvents(4);
    await w.until(() => w.events().length >= types.length);
    await quietFor(100);
    w.watch.cancel();
    all.watch.cancel();
    expect(w.events().map((e) => e.type)).toEqual(types);
  });

  it('watches one key, or a range, and nothing outside it', async () => {
    const ctx = c();
    const one = await record(ctx.store, { key: ctx.k('b') });
    const range = await record(ctx.store, { key: ctx.k('b'), rangeEnd: ctx.k('d') });
    for (const key of ['a', 'b', 'bb', 'c', 'd', 'b'])
      await ctx.store.put({ key: ctx.k(key), value: b(key) });
    await range.untilEvents(4);
    await one.untilEvents(2);
    await quietFor(100);
    one.watch.cancel();
    range.watch.cancel();
    expect(one.events().map((e) => brief(ctx, e)[1])).toEqual(['b', 'b']);
    expect(range.events().map((e) => brief(ctx, e)[1])).toEqual(['b', 'bb', 'c', 'b']);
  });

  it("delivers a txn's writes together, at one revision", async () => {
    const ctx = c();
    const w = await record(ctx.store, { key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    await ctx.store.put({ key: ctx.k('c'), value: b('old') });
    await ctx.store.txn({
      compare: [],
      success: [
        { put: { key: ctx.k('a'), value: b('1') } },
        { put: { key: ctx.k('b'), value: b('2') } },
        { deleteRange: { key: ctx.k('c') } },
      ],
      failure: [],
    });
    await w.untilEvents(4);
    w.watch.cancel();
    const batches = w.messages.filter((m) => m.type === 'events');
    const last = batches[batches.length - 1];
    expect(last?.type === 'events' && last.events.map((e) => brief(ctx, e))).toEqual([
      ['put', 'a', 2, '1', null],
      ['put', 'b', 2, '2', null],
      ['delete', 'c', 2, '', null],
    ]);
  });

  it('answers requestProgress with the current revision once earlier events are delivered', async () => {
    const ctx = c();
    const w = await record(ctx.store, { key: ctx.k('a') });
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    await ctx.store.put({ key: ctx.k('other'), value: b('2') });
    await w.untilEvents(1);
    w.watch.requestProgress();
    const messages = await w.until((ms) => ms.some((m) => m.type === 'progress'));
    w.watch.cancel();
    const progress = messages.find((m) => m.type === 'progress');
    // The revision of the last write, though the watched key did not change in it.
    expect(progress && ctx.rel(progress.header.revision)).toBe(2);
    expect(messages.map((m) => m.type)).toEqual(['events', 'progress']);
  });

  it('never sends a progress ahead of replayed history (etcd issue #15220)', async () => {
    const ctx = c();
    for (let i = 1; i <= 40; i++) await ctx.store.put({ key: ctx.k('a'), value: b(String(i)) });
    const w = await record(ctx.store, { key: ctx.k('a'), startRevision: ctx.abs(1) });
    // Asked at once, while the watch may still be replaying revisions 1…40.
    w.watch.requestProgress();
    const messages = await w.until((ms) => ms.some((m) => m.type === 'progress'));
    w.watch.cancel();
    let delivered = 0;
    for (const m of messages) {
      if (m.type === 'events') delivered = ctx.rel(must(m.events[m.events.length - 1]).kv.modRevision);
      if (m.type === 'progress') expect(delivered).toBeGreaterThanOrEqual(ctx.rel(m.header.revision));
    }
    expect(delivered).toBe(40);
  });

  it('stops delivering after cancel', async () => {
    const ctx = c();
    const w = await record(ctx.store, { key: ctx.k('a') });
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    await w.untilEvents(1);
    w.watch.cancel();
    w.watch.cancel();
    await ctx.store.put({ key: ctx.k('a'), value: b('2') });
    // Another watch proves the second write was published; the canceled one must stay silent.
    const check = await record(ctx.store, { key: ctx.k('a'), startRevision: ctx.abs(2) });
    await check.untilEvents(1);
    check.watch.cancel();
    await quietFor(100);
    expect(w.events().length).toBe(1);
  });

  it('watches from a future revision: events start there', async () => {
    const ctx = c();
    const w = await record(ctx.store, { key: ctx.k('a'), startRevision: ctx.abs(2) });
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    await ctx.store.put({ key: ctx.k('a'), value: b('2') });
    const [e] = await w.untilEvents(1);
    await quietFor(100);
    w.watch.cancel();
    expect(w.events().map((x) => brief(ctx, x))).toEqual([['put', 'a', 2, '2', null]]);
    expect(e).toBeDefined();
  });
}
