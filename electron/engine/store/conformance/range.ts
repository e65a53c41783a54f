/**
 * Conformance: range — single key, prefix, [key, rangeEnd), "from key" (rangeEnd 0x00), limit
 * with more/count, historical revisions, keysOnly, countOnly, sorting and the revision filters.
 * Expected values follow etcd 3.4's applierV3backend.Range (etcdserver/apply.go): `count` is
 * every key in the range at that revision — before the min/max filters and the limit — and
 * `more` says the limit cut the filtered, sorted list.
 */
import { expect, it } from 'vitest';
import type { RangeRequest, SortOrder, SortTarget } from '../types';
import { b, names, relKv, str, type Ctx } from './context';

/**
 * Five keys whose every sort target orders them differently:
 *   key   a  b  c  d  e
 *   value   3  5  1  4  2
 *   version 1  3  2  1  1   (b written 3 times, c twice)
 *   create  1  2  3  4  5   (revisions relative to the test's start)
 *   mod     1  8  6  4  5
 */
async function fiveKeys(ctx: Ctx): Promise<void> {
  const { store, k } = ctx;
  await store.put({ key: k('a'), value: b('3') }); // 1
  await store.put({ key: k('b'), value: b('5') }); // 2
  await store.put({ key: k('c'), value: b('0') }); // 3
  await store.put({ key: k('d'), value: b('4') }); // 4
  await store.put({ key: k('e'), value: b('2') }); // 5
  await store.put({ key: k('c'), value: b('1') }); // 6: c version 2
  await store.put({ key: k('b'), value: b('5') }); // 7
  await store.put({ key: k('b'), value: b('5') }); // 8: b version 3
}

export function rangeSuite(c: () => Ctx): void {
  const all = (ctx: Ctx, extra: Partial<RangeRequest> = {}) =>
    ctx.store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd, ...extra });

  it('reads one key, a prefix, and a half-open [key, rangeEnd) range in key order', async () => {
    const ctx = c();
    await fiveKeys(ctx);
    const one = await ctx.store.range({ key: ctx.k('c') });
    expect(one.kvs.map((kv) => relKv(ctx, kv))).toEqual([
      { key: 'c', value: '1', create: 3, mod: 6, version: 2, lease: 0 },
    ]);
    expect(one.count).toBe(1);
    const prefix = await all(ctx);
    expect(names(ctx, prefix.kvs)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect({ count: prefix.count, more: prefix.more, rev: ctx.rel(prefix.header.revision) }).toEqual({
      count: 5,
      more: false,
      rev: 8,
    });
    const half = await ctx.store.range({ key: ctx.k('b'), rangeEnd: ctx.k('d') });
    expect(names(ctx, half.kvs)).toEqual(['b', 'c']);
    expect(half.count).toBe(2);
  });

  it('reads every key from a key on with rangeEnd 0x00', async () => {
    const ctx = c();
    // Keys that sort after everything else in the keyspace, so "from key" sees only them.
    const top = Buffer.concat([Buffer.from([0xff, 0xfe]), ctx.prefix]);
    const key = (s: string) => Buffer.concat([top, b(s)]);
    try {
      for (const s of ['a', 'b', 'c']) await ctx.store.put({ key: key(s), value: b(s) });
      const from = await ctx.store.range({ key: key('b'), rangeEnd: Buffer.from([0]) });
      expect(from.kvs.map((kv) => str(kv.value))).toEqual(['b', 'c']);
      expect(from.count).toBe(2);
    } finally {
      await ctx.store.deleteRange({ key: top, rangeEnd: Buffer.from([0]) });
    }
  });

  it.each([
    // limit, returned keys, more, count
    [1, ['a'], true],
    [2, ['a', 'b'], true],
    [4, ['a', 'b', 'c', 'd'], true],
    [5, ['a', 'b', 'c', 'd', 'e'], false],
    [6, ['a', 'b', 'c', 'd', 'e'], false],
    [0, ['a', 'b', 'c', 'd', 'e'], false],
  ] as const)('limit %i returns %j with more=%s and the full count', async (limit, keys, more) => {
    const ctx = c();
    await fiveKeys(ctx);
    const res = await all(ctx, { limit });
    expect({ keys: names(ctx, res.kvs), more: res.more, count: res.count }).toEqual({ keys, more, count: 5 });
  });

  it('reads at a past revision: the values then, the current revision in the header', async () => {
    const ctx = c();
    await fiveKeys(ctx);
    const then = await all(ctx, { revision: ctx.abs(3) });
    expect(then.kvs.map((kv) => relKv(ctx, kv))).toEqual([
      { key: 'a', value: '3', create: 1, mod: 1, version: 1, lease: 0 },
      { key: 'b', value: '5', create: 2, mod: 2, version: 1, lease: 0 },
      { key: 'c', value: '0', create: 3, mod: 3, version: 1, lease: 0 },
    ]);
    expect(then.count).toBe(3);
    expect(ctx.rel(then.header.revision)).toBe(8);
    expect((await ctx.store.range({ key: ctx.k('e'), revision: ctx.abs(4) })).kvs).toEqual([]);
    await expect(all(ctx, { revision: ctx.abs(9) })).rejects.toMatchObject({
      code: 'future-revision',
      message: 'etcdserver: mvcc: required revision is a future revision',
    });
  });

  it('returns keys without values with keysOnly, and only the count with countOnly', async () => {
    const ctx = c();
    await fiveKeys(ctx);
    const keys = await all(ctx, { keysOnly: true });
    expect(keys.kvs.map((kv) => relKv(ctx, kv))).toEqual([
      { key: 'a', value: '', create: 1, mod: 1, version: 1, lease: 0 },
      { key: 'b', value: '', create: 2, mod: 8, version: 3, lease: 0 },
      { key: 'c', value: '', create: 3, mod: 6, version: 2, lease: 0 },
      { key: 'd', value: '', create: 4, mod: 4, version: 1, lease: 0 },
      { key: 'e', value: '', create: 5, mod: 5, version: 1, lease: 0 },
    ]);
    const count = await all(ctx, { countOnly: true });
    expect({ kvs: count.kvs, count: count.count, more: count.more }).toEqual({
      kvs: [],
      count: 5,
      more: false,
    });
    // A limit does not cut a count.
    const limited = await all(ctx, { countOnly: true, limit: 2 });
    expect({ kvs: limited.kvs, count: limited.count, more: limited.more }).toEqual({
      kvs: [],
      count: 5,
      more: false,
    });
  });

  it.each([
    ['ascend', 'key', ['a', 'b', 'c', 'd', 'e']],
    ['descend', 'key', ['e', 'd', 'c', 'b', 'a']],
    ['ascend', 'value', ['c', 'e', 'a', 'd', 'b']],
    ['descend', 'value', ['b', 'd', 'a', 'e', 'c']],
    ['ascend', 'create', ['a', 'b', 'c', 'd', 'e']],
    ['descend', 'create', ['e', 'd', 'c', 'b', 'a']],
    ['ascend', 'mod', ['a', 'd', 'e', 'c', 'b']],
    ['descend', 'mod', ['b', 'c', 'e', 'd', 'a']],
    // etcd sorts ascending when a target other than the key is named without an order.
    ['none', 'mod', ['a', 'd', 'e', 'c', 'b']],
    ['none', 'key', ['a', 'b', 'c', 'd', 'e']],
  ] as [SortOrder, SortTarget, string[]][])('sorts %s by %s', async (sortOrder, sortTarget, expected) => {
    const ctx = c();
    await fiveKeys(ctx);
    expect(names(ctx, (await all(ctx, { sortOrder, sortTarget })).kvs)).toEqual(expected);
  });

  it('sorts by version with the largest first (b: 3, c: 2, then the rest)', async () => {
    const ctx = c();
    await fiveKeys(ctx);
    const res = await all(ctx, { sortOrder: 'descend', sortTarget: 'version' });
    // Equal versions have no defined order in etcd (Go's sort.Sort is not stable).
    expect(res.kvs.map((kv) => kv.version)).toEqual([3, 2, 1, 1, 1]);
    expect(names(ctx, res.kvs.slice(0, 2))).toEqual(['b', 'c']);
  });

  it('applies the limit after sorting: the two newest keys by mod revision', async () => {
    const ctx = c();
    await fiveKeys(ctx);
    const res = await all(ctx, { sortOrder: 'descend', sortTarget: 'mod', limit: 2 });
    expect({ keys: names(ctx, res.kvs), more: res.more, count: res.count }).toEqual({
      keys: ['b', 'c'],
      more: true,
      count: 5,
    });
  });

  it.each([
    ['minModRevision 5', { minModRevision: 5 }, ['b', 'c', 'e']],
    ['maxModRevision 4', { maxModRevision: 4 }, ['a', 'd']],
    ['minCreateRevision 3', { minCreateRevision: 3 }, ['c', 'd', 'e']],
    ['maxCreateRevision 2', { maxCreateRevision: 2 }, ['a', 'b']],
    [
      'mod in [4, 6] and create >= 3',
      { minModRevision: 4, maxModRevision: 6, minCreateRevision: 3 },
      ['c', 'd', 'e'],
    ],
  ] as [string, Partial<RangeRequest>, string[]][])(
    'filters by %s while count stays the unfiltered total',
    async (_name, filter, expected) => {
      const ctx = c();
      await fiveKeys(ctx);
      const rel: Partial<RangeRequest> = {};
      for (const [field, value] of Object.entries(filter)) {
        (rel as Record<string, number>)[field] = ctx.abs(value as number);
      }
      const res = await all(ctx, rel);
      expect({ keys: names(ctx, res.kvs), count: res.count, more: res.more }).toEqual({
        keys: expected,
        count: 5,
        more: false,
      });
    },
  );

  it('sets more when a filtered list is longer than the limit', async () => {
    const ctx = c();
    await fiveKeys(ctx);
    const res = await all(ctx, { minModRevision: ctx.abs(5), limit: 2 });
    expect({ keys: names(ctx, res.kvs), count: res.count, more: res.more }).toEqual({
      keys: ['b', 'c'],
      count: 5,
      more: true,
    });
  });
}
