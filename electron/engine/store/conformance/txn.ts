/**
 * Conformance: transactions — the success and failure branches with nested range/put/delete/txn,
 * one revision per txn, nested headers, duplicate-key and operation-count limits (compares:
 * compare.ts). Expected values follow etcd 3.4 (etcdserver/apply.go applyTxn, api/v3rpc/key.go
 * checkTxnRequest/checkIntervals).
 */
import { expect, it } from 'vitest';
import { LIMITS, type RequestOp, type ResponseOp, type TxnRequest } from '../types';
import { cmp } from './compare';
import { b, names, relKv, str, type Ctx } from './context';
import { must } from '../testing/must';

const put = (ctx: Ctx, key: string, value = 'v'): RequestOp => ({
  put: { key: ctx.k(key), value: b(value) },
});
const del = (ctx: Ctx, key: string, end?: string): RequestOp => ({
  deleteRange: { key: ctx.k(key), rangeEnd: end === undefined ? undefined : ctx.k(end) },
});
const txn = (t: Partial<TxnRequest>): TxnRequest => ({ compare: [], success: [], failure: [], ...t });

function responseOf(op: ResponseOp): { header: { revision: number } } {
  if ('range' in op) return op.range;
  if ('put' in op) return op.put;
  if ('deleteRange' in op) return op.deleteRange;
  return op.txn;
}

export function txnSuite(c: () => Ctx): void {
  it('runs the success branch — range, put, delete and a nested txn — at one revision', async () => {
    const ctx = c();
    const { store } = ctx;
    await store.put({ key: ctx.k('a'), value: b('1') });
    await store.put({ key: ctx.k('gone'), value: b('x') });
    const res = await store.txn({
      compare: [cmp(ctx, 'a', 'value', 'equal', b('1'))],
      success: [
        { range: { key: ctx.k('a') } },
        { put: { key: ctx.k('a'), value: b('2'), prevKv: true } },
        { range: { key: ctx.k('a') } },
        { deleteRange: { key: ctx.k('gone'), prevKv: true } },
        {
          txn: txn({
            // etcd evaluates every compare of the txn tree before applying anything
            // (apply.go compareToPath), so this sees a = 1, not the 2 put just above.
            compare: [cmp(ctx, 'a', 'value', 'equal', b('1'))],
            success: [put(ctx, 'nested', 'n')],
            failure: [put(ctx, 'wrong', 'w')],
          }),
        },
      ],
      failure: [put(ctx, 'failure')],
    });
    expect(res.succeeded).toBe(true);
    expect(ctx.rel(res.header.revision)).toBe(3);
    expect(res.responses.map((r) => Object.keys(r)[0])).toEqual([
      'range',
      'put',
      'range',
      'deleteRange',
      'txn',
    ]);
    const [r0, r1, r2, r3, r4] = res.responses;
    // Ranges inside a txn see the txn's own earlier writes.
    expect(r0 && 'range' in r0 && r0.range.kvs.map((kv) => str(kv.value))).toEqual(['1']);
    expect(r1 && 'put' in r1 && relKv(ctx, must(r1.put.prevKv))).toMatchObject({ value: '1', mod: 1 });
    expect(r2 && 'range' in r2 && r2.range.kvs.map((kv) => relKv(ctx, kv))).toEqual([
      { key: 'a', value: '2', create: 1, mod: 3, version: 2, lease: 0 },
    ]);
    expect(
      r3 &&
        'deleteRange' in r3 && [r3.deleteRange.deleted, r3.deleteRange.prevKvs.map((kv) => str(kv.value))],
    ).toEqual([1, ['x']]);
    expect(r4 && 'txn' in r4 && r4.txn.succeeded).toBe(true);
    const after = await store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    expect(after.kvs.map((kv) => relKv(ctx, kv))).toEqual([
      { key: 'a', value: '2', create: 1, mod: 3, version: 2, lease: 0 },
      { key: 'nested', value: 'n', create: 3, mod: 3, version: 1, lease: 0 },
    ]);
  });

  it("evaluates a nested txn's compares against the state before the outer txn", async () => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    const res = await ctx.store.txn(
      txn({
        success: [
          put(ctx, 'a', '2'),
          {
            txn: txn({
              compare: [cmp(ctx, 'a', 'value', 'equal', b('2'))],
              success: [put(ctx, 'saw-new')],
              failure: [put(ctx, 'saw-old')],
            }),
          },
        ],
      }),
    );
    const nested = res.responses[1];
    expect(nested && 'txn' in nested && nested.txn.succeeded).toBe(false);
    const keys = await ctx.store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    expect(names(ctx, keys.kvs)).toEqual(['a', 'saw-old']);
  });

  it('gives nested operations the headers etcd gives them', async () => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    const res = await ctx.store.txn(
      txn({
        success: [
          del(ctx, 'none'),
          { range: { key: ctx.k('a') } },
          put(ctx, 'b'),
          { range: { key: ctx.k('a') } },
          del(ctx, 'none'),
          { txn: txn({ success: [put(ctx, 'c')] }) },
        ],
      }),
    );
    const revs = res.responses.map((r) => responseOf(r).header.revision);
    // Until the txn's first write, nested ranges and no-op deletes report the previous
    // revision, after it the txn's own (mvcc storeTxnWrite: beginRev, +1 once changed).
    // etcd leaves a nested txn's header revision unset (0).
    expect(revs.map((r) => (r === 0 ? 'unset' : ctx.rel(r)))).toEqual([1, 1, 2, 2, 2, 'unset']);
  });

  it('runs the failure branch when a compare fails', async () => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    const res = await ctx.store.txn(
      txn({
        compare: [cmp(ctx, 'a', 'version', 'equal', 5)],
        success: [put(ctx, 'success')],
        failure: [{ range: { key: ctx.k('a') } }, put(ctx, 'failure', 'f')],
      }),
    );
    expect(res.succeeded).toBe(false);
    expect(ctx.rel(res.header.revision)).toBe(2);
    expect(res.responses.map((r) => Object.keys(r)[0])).toEqual(['range', 'put']);
    const keys = await ctx.store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    expect(names(ctx, keys.kvs)).toEqual(['a', 'failure']);
  });

  it('uses no revision for a txn that writes nothing (reads, or a delete of nothing)', async () => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('a'), value: b('1') });
    const reads = await ctx.store.txn(txn({ success: [{ range: { key: ctx.k('a') } }] }));
    expect(ctx.rel(reads.header.revision)).toBe(1);
    const noop = await ctx.store.txn(txn({ success: [del(ctx, 'none')] }));
    expect(ctx.rel(noop.header.revision)).toBe(1);
    const empty = await ctx.store.txn(txn({}));
    expect({
      succeeded: empty.succeeded,
      responses: empty.responses,
      rev: ctx.rel(empty.header.revision),
    }).toEqual({
      succeeded: true,
      responses: [],
      rev: 1,
    });
  });

  it.each([
    {
      name: 'two puts of one key',
      build: (x: Ctx) => txn({ success: [put(x, 'a'), put(x, 'a')] }),
      code: 'duplicate-key',
    },
    {
      name: 'a put inside a deleted range',
      build: (x: Ctx) => txn({ success: [del(x, 'a', 'c'), put(x, 'b')] }),
      code: 'duplicate-key',
    },
    {
      name: 'a put and a nested put of one key',
      build: (x: Ctx) => txn({ success: [put(x, 'a'), { txn: txn({ success: [put(x, 'a')] }) }] }),
      code: 'duplicate-key',
    },
    {
      name: 'a put and a nested failure-branch put of one key',
      build: (x: Ctx) => txn({ success: [put(x, 'a'), { txn: txn({ failure: [put(x, 'a')] }) }] }),
      code: 'duplicate-key',
    },
    {
      name: 'two overlapping deletes',
      build: (x: Ctx) => txn({ success: [del(x, 'a', 'c'), del(x, 'b', 'd')] }),
      code: null,
    },
    {
      name: 'one key put in each branch',
      build: (x: Ctx) => txn({ success: [put(x, 'a')], failure: [put(x, 'a')] }),
      code: null,
    },
    {
      name: 'a put and a range of one key',
      build: (x: Ctx) => txn({ success: [put(x, 'a'), { range: { key: x.k('a') } }] }),
      code: null,
    },
  ] as const)('checks duplicate keys: $name → $code', async ({ build, code }) => {
    const ctx = c();
    const req = build(ctx);
    if (code) {
      await expect(ctx.store.txn(req)).rejects.toMatchObject({
        code,
        message: 'etcdserver: duplicate key given in txn request',
      });
      expect(ctx.rel((await ctx.store.range({ key: ctx.k('a') })).header.revision)).toBe(0);
    } else {
      expect((await ctx.store.txn(req)).succeeded).toBe(true);
    }
  });

  const puts = (ctx: Ctx, n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => put(ctx, `${tag}${i}`));
  it.each([
    {
      name: '128 operations',
      build: (x: Ctx) => txn({ success: puts(x, LIMITS.maxTxnOps, 's') }),
      accepted: true,
    },
    {
      name: '129 operations',
      build: (x: Ctx) => txn({ success: puts(x, LIMITS.maxTxnOps + 1, 's') }),
      accepted: false,
    },
    {
      name: '128 in each branch',
      build: (x: Ctx) => txn({ success: puts(x, 128, 's'), failure: puts(x, 128, 'f') }),
      accepted: true,
    },
    {
      name: '129 in the failure branch',
      build: (x: Ctx) => txn({ failure: puts(x, 129, 'f') }),
      accepted: false,
    },
    {
      name: '129 compares',
      build: (x: Ctx) =>
        txn({ compare: Array.from({ length: 129 }, (_, i) => cmp(x, `c${i}`, 'version', 'equal', 0)) }),
      accepted: false,
    },
    {
      name: 'a nested txn of 129',
      build: (x: Ctx) => txn({ success: [{ txn: txn({ success: puts(x, 129, 'n') }) }] }),
      accepted: false,
    },
  ] as const)(
    'limits a txn (etcd --max-txn-ops 128): $name → accepted $accepted',
    async ({ build, accepted }) => {
      const ctx = c();
      if (accepted) {
        const res = await ctx.store.txn(build(ctx));
        expect(ctx.rel(res.header.revision)).toBe(1);
      } else {
        await expect(ctx.store.txn(build(ctx))).rejects.toMatchObject({
          code: 'too-many-ops',
          message: 'etcdserver: too many operations in txn request',
        });
      }
    },
  );

  it('applies nothing from a txn that fails on a missing lease or an oversize request', async () => {
    const ctx = c();
    const bad = txn({ success: [put(ctx, 'a'), { put: { key: ctx.k('b'), value: b('v'), lease: 424242 } }] });
    await expect(ctx.store.txn(bad)).rejects.toMatchObject({ code: 'lease-not-found' });
    const big = Buffer.alloc(LIMITS.maxRequestBytes / 2, 1);
    const huge = txn({
      success: [{ put: { key: ctx.k('x'), value: big } }, { put: { key: ctx.k('y'), value: big } }],
    });
    await expect(ctx.store.txn(huge)).rejects.toMatchObject({ code: 'request-too-large' });
    const after = await ctx.store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    expect({ count: after.count, rev: ctx.rel(after.header.revision) }).toEqual({ count: 0, rev: 0 });
  });
}
