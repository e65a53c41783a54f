/**
 * Conformance: revisions, put and deleteRange, request errors and the request size limit.
 * Expected values are what etcd 3.4 answers (mvcc/kvstore_txn.go, etcdserver/apply.go,
 * api/v3rpc/key.go's request checks).
 */
import { expect, it } from 'vitest';
import { LIMITS, type Store } from '../types';
import { b, relKv, str, type Ctx } from './context';
import { must } from '../testing/must';

async function current(store: Store, ctx: Ctx): Promise<number> {
  return ctx.rel((await store.range({ key: ctx.k('\u0000none') })).header.revision);
}

export function kvSuite(c: () => Ctx): void {
  it('counts create/mod revision and version per key, and a delete starts the key over', async () => {
    const ctx = c();
    const { store, k } = ctx;
    expect(ctx.rel((await store.put({ key: k('a'), value: b('1') })).header.revision)).toBe(1);
    expect(ctx.rel((await store.put({ key: k('a'), value: b('2') })).header.revision)).toBe(2);
    const [kv] = (await store.range({ key: k('a') })).kvs;
    expect(relKv(ctx, must(kv))).toEqual({ key: 'a', value: '2', create: 1, mod: 2, version: 2, lease: 0 });

    const del = await store.deleteRange({ key: k('a') });
    expect({ deleted: del.deleted, rev: ctx.rel(del.header.revision) }).toEqual({ deleted: 1, rev: 3 });
    expect((await store.range({ key: k('a') })).kvs).toEqual([]);

    await store.put({ key: k('a'), value: b('3') });
    const [again] = (await store.range({ key: k('a') })).kvs;
    expect(relKv(ctx, must(again))).toEqual({
      key: 'a',
      value: '3',
      create: 4,
      mod: 4,
      version: 1,
      lease: 0,
    });
    // The old generation is still readable at its revisions.
    const [old] = (await store.range({ key: k('a'), revision: ctx.abs(2) })).kvs;
    expect(relKv(ctx, must(old))).toMatchObject({ value: '2', create: 1, mod: 2, version: 2 });
  });

  it('answers reads with the current revision and uses no revision to delete nothing', async () => {
    const ctx = c();
    const { store, k } = ctx;
    await store.put({ key: k('a'), value: b('1') });
    const miss = await store.range({ key: k('missing') });
    expect({ kvs: miss.kvs, count: miss.count, more: miss.more, rev: ctx.rel(miss.header.revision) }).toEqual(
      {
        kvs: [],
        count: 0,
        more: false,
        rev: 1,
      },
    );
    const none = await store.deleteRange({ key: k('missing'), prevKv: true });
    expect({ deleted: none.deleted, prevKvs: none.prevKvs, rev: ctx.rel(none.header.revision) }).toEqual({
      deleted: 0,
      prevKvs: [],
      rev: 1,
    });
    expect(await current(store, ctx)).toBe(1);
  });

  it('returns the previous key-value on put with prevKv, and none for a new key', async () => {
    const ctx = c();
    const { store, k } = ctx;
    const first = await store.put({ key: k('a'), value: b('1'), prevKv: true });
    expect(first.prevKv).toBeUndefined();
    const second = await store.put({ key: k('a'), value: b('2'), prevKv: true });
    expect(relKv(ctx, must(second.prevKv))).toEqual({
      key: 'a',
      value: '1',
      create: 1,
      mod: 1,
      version: 1,
      lease: 0,
    });
    const without = await store.put({ key: k('a'), value: b('3') });
    expect(without.prevKv).toBeUndefined();
  });

  it('keeps the value with ignoreValue and the lease with ignoreLease, counting a new version', async () => {
    const ctx = c();
    const { store, k } = ctx;
    const lease = await ctx.grant(60);
    await store.put({ key: k('a'), value: b('keep'), lease: lease.id });
    await store.put({ key: k('a'), value: b(''), ignoreValue: true });
    expect(relKv(ctx, must((await store.range({ key: k('a') })).kvs[0]))).toEqual({
      key: 'a',
      value: 'keep',
      create: 1,
      mod: 2,
      version: 2,
      // A plain put without ignoreLease would detach the lease; ignoreValue alone does too.
      lease: 0,
    });
    await store.put({ key: k('b'), value: b('1'), lease: lease.id });
    await store.put({ key: k('b'), value: b('2'), ignoreLease: true });
    expect(relKv(ctx, must((await store.range({ key: k('b') })).kvs[0]))).toEqual({
      key: 'b',
      value: '2',
      create: 3,
      mod: 4,
      version: 2,
      lease: lease.id,
    });
    await store.put({ key: k('b'), value: b('3') });
    expect((await store.range({ key: k('b') })).kvs[0]?.lease).toBe(0);
  });

  const badPuts: [string, (ctx: Ctx) => Parameters<Store['put']>[0], string, string][] = [
    [
      'ignoreValue on a missing key',
      (x) => ({ key: x.k('nope'), value: b(''), ignoreValue: true }),
      'key-not-found',
      'etcdserver: key not found',
    ],
    [
      'ignoreLease on a missing key',
      (x) => ({ key: x.k('nope'), value: b('v'), ignoreLease: true }),
      'key-not-found',
      'etcdserver: key not found',
    ],
    [
      'ignoreValue with a value',
      (x) => ({ key: x.k('a'), value: b('v'), ignoreValue: true }),
      'invalid-argument',
      'etcdserver: value is provided',
    ],
    [
      'ignoreLease with a lease',
      (x) => ({ key: x.k('a'), value: b('v'), lease: 7, ignoreLease: true }),
      'invalid-argument',
      'etcdserver: lease is provided',
    ],
    [
      'a lease that does not exist',
      (x) => ({ key: x.k('a'), value: b('v'), lease: 424242 }),
      'lease-not-found',
      'etcdserver: requested lease not found',
    ],
    ['an empty key', () => ({ key: b(''), value: b('v') }), 'empty-key', 'etcdserver: key is not provided'],
  ];
  it.each(badPuts)('refuses a put with %s, changing nothing', async (_name, req, code, message) => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('a'), value: b('before') });
    await expect(ctx.store.put(req(ctx))).rejects.toMatchObject({ code, message });
    expect(await current(ctx.store, ctx)).toBe(1);
    expect(str(must((await ctx.store.range({ key: ctx.k('a') })).kvs[0]).value)).toBe('before');
  });

  it('refuses an empty key in range and deleteRange', async () => {
    const { store } = c();
    await expect(store.range({ key: b('') })).rejects.toMatchObject({ code: 'empty-key' });
    await expect(store.deleteRange({ key: b('') })).rejects.toMatchObject({ code: 'empty-key' });
  });

  it('deletes a range in one revision and returns the deleted key-values with prevKv', async () => {
    const ctx = c();
    const { store, k } = ctx;
    for (const name of ['a', 'b', 'c', 'd']) await store.put({ key: k(name), value: b(name) });
    const del = await store.deleteRange({ key: k('b'), rangeEnd: k('d'), prevKv: true });
    expect(del.deleted).toBe(2);
    expect(ctx.rel(del.header.revision)).toBe(5);
    expect(del.prevKvs.map((kv) => relKv(ctx, kv))).toEqual([
      { key: 'b', value: 'b', create: 2, mod: 2, version: 1, lease: 0 },
      { key: 'c', value: 'c', create: 3, mod: 3, version: 1, lease: 0 },
    ]);
    const rest = await store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    expect(rest.kvs.map((kv) => str(kv.value))).toEqual(['a', 'd']);
    // Without prevKv only the count comes back.
    const plain = await store.deleteRange({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    expect({ deleted: plain.deleted, prevKvs: plain.prevKvs, rev: ctx.rel(plain.header.revision) }).toEqual({
      deleted: 2,
      prevKvs: [],
      rev: 6,
    });
  });

  it('refuses requests over 1.5 MiB (etcd --max-request-bytes) and accepts values just under', async () => {
    const ctx = c();
    const { store, k } = ctx;
    // etcd measures the whole encoded request, so a value of exactly the limit is too large.
    for (const size of [LIMITS.maxRequestBytes, LIMITS.maxRequestBytes + 1, 3 * 1024 * 1024]) {
      await expect(store.put({ key: k('big'), value: Buffer.alloc(size, 1) })).rejects.toMatchObject({
        code: 'request-too-large',
      });
    }
    expect(await current(store, ctx)).toBe(0);
    const ok = await store.put({ key: k('big'), value: Buffer.alloc(LIMITS.maxRequestBytes - 1024, 1) });
    expect(ctx.rel(ok.header.revision)).toBe(1);
    const [kv] = (await store.range({ key: k('big') })).kvs;
    expect(kv?.value.length).toBe(LIMITS.maxRequestBytes - 1024);
  });
}
