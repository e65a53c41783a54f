/**
 * Conformance: compaction — reads and watches below the compact revision fail with 'compacted'
 * (a watch gets the compact revision), at it they work; compacting again at or below it, or
 * beyond the current revision, is refused. etcd 3.4 (mvcc/kvstore.go, watchable_store.go).
 */
import { expect, it } from 'vitest';
import { b, str, type Ctx } from './context';
import { record } from './watcher';
import { must } from '../testing/must';

async function fourVersions(ctx: Ctx): Promise<void> {
  for (const v of ['v1', 'v2', 'v3', 'v4']) await ctx.store.put({ key: ctx.k('a'), value: b(v) });
}

export function compactionSuite(c: () => Ctx): void {
  it('refuses reads below the compact revision and serves them at and above it', async () => {
    const ctx = c();
    await fourVersions(ctx);
    const res = await ctx.store.compact(ctx.abs(3));
    expect(ctx.rel(res.header.revision)).toBe(4);
    await expect(ctx.store.range({ key: ctx.k('a'), revision: ctx.abs(2) })).rejects.toMatchObject({
      code: 'compacted',
      message: 'etcdserver: mvcc: required revision has been compacted',
    });
    expect(str(must((await ctx.store.range({ key: ctx.k('a'), revision: ctx.abs(3) })).kvs[0]).value)).toBe(
      'v3',
    );
    // The live key keeps its history-derived fields.
    expect((await ctx.store.range({ key: ctx.k('a') })).kvs[0]).toMatchObject({
      createRevision: ctx.abs(1),
      modRevision: ctx.abs(4),
      version: 4,
    });
    expect((await ctx.store.status()).compactRevision).toBe(ctx.abs(3));
  });

  it.each([
    ['again at the compact revision', (ctx: Ctx) => ctx.abs(3), 'compacted'],
    ['below it', (ctx: Ctx) => ctx.abs(2), 'compacted'],
    ['beyond the current revision', (ctx: Ctx) => ctx.abs(5), 'future-revision'],
  ] as const)('refuses to compact %s', async (_name, revision, code) => {
    const ctx = c();
    await fourVersions(ctx);
    await ctx.store.compact(ctx.abs(3));
    await expect(ctx.store.compact(revision(ctx))).rejects.toMatchObject({ code });
    // Compacting at the current revision is allowed.
    expect(ctx.rel((await ctx.store.compact(ctx.abs(4))).header.revision)).toBe(4);
  });

  it('ends a watch from a compacted revision with the compact revision', async () => {
    const ctx = c();
    await fourVersions(ctx);
    await ctx.store.compact(ctx.abs(3));
    const w = await record(ctx.store, { key: ctx.k('a'), startRevision: ctx.abs(2) });
    const messages = await w.until((ms) => ms.some((m) => m.type === 'compacted'));
    const compacted = messages.find((m) => m.type === 'compacted');
    expect(compacted?.type === 'compacted' && compacted.compactRevision).toBe(ctx.abs(3));
    expect(messages.filter((m) => m.type === 'events')).toEqual([]);
    // The watch is over: later writes are not delivered.
    await ctx.store.put({ key: ctx.k('a'), value: b('v5') });
    const fromCompact = await record(ctx.store, { key: ctx.k('a'), startRevision: ctx.abs(3) });
    const events = await fromCompact.untilEvents(3);
    fromCompact.watch.cancel();
    w.watch.cancel();
    expect(events.map((e) => str(e.kv.value))).toEqual(['v3', 'v4', 'v5']);
    expect(w.messages.filter((m) => m.type === 'events')).toEqual([]);
  });
}
