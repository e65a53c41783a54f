/**
 * Conformance: txn compares — every target (version, create, mod, value, lease) with every
 * result (=, !=, <, >), compares on missing keys, several compares, and compares over a range.
 * Expected values follow etcd 3.4's applyCompare (etcdserver/apply.go).
 */
import { expect, it } from 'vitest';
import type { Compare, TxnRequest } from '../types';
import { b, type Ctx } from './context';

interface CompareRow {
  name: string;
  build: (ctx: Ctx, lease: number) => Compare;
  holds: boolean;
}

export const cmp = (
  ctx: Ctx,
  key: string,
  target: Compare['target'],
  result: Compare['result'],
  value: Compare['value'],
) => ({
  key: ctx.k(key),
  target,
  result,
  value,
});

// Key x: put v1 at rel 1, put v2 with lease L at rel 2 → version 2, create 1, mod 2, value v2.
const compareRows: CompareRow[] = [
  { name: 'version = 2', build: (x) => cmp(x, 'x', 'version', 'equal', 2), holds: true },
  { name: 'version = 1', build: (x) => cmp(x, 'x', 'version', 'equal', 1), holds: false },
  { name: 'version != 1', build: (x) => cmp(x, 'x', 'version', 'not_equal', 1), holds: true },
  { name: 'version != 2', build: (x) => cmp(x, 'x', 'version', 'not_equal', 2), holds: false },
  { name: 'version > 1', build: (x) => cmp(x, 'x', 'version', 'greater', 1), holds: true },
  { name: 'version > 2', build: (x) => cmp(x, 'x', 'version', 'greater', 2), holds: false },
  { name: 'version < 3', build: (x) => cmp(x, 'x', 'version', 'less', 3), holds: true },
  { name: 'version < 2', build: (x) => cmp(x, 'x', 'version', 'less', 2), holds: false },
  { name: 'create = rel 1', build: (x) => cmp(x, 'x', 'create', 'equal', x.abs(1)), holds: true },
  { name: 'create != rel 1', build: (x) => cmp(x, 'x', 'create', 'not_equal', x.abs(1)), holds: false },
  { name: 'create > rel 0', build: (x) => cmp(x, 'x', 'create', 'greater', x.abs(0)), holds: true },
  { name: 'create < rel 1', build: (x) => cmp(x, 'x', 'create', 'less', x.abs(1)), holds: false },
  { name: 'mod = rel 2', build: (x) => cmp(x, 'x', 'mod', 'equal', x.abs(2)), holds: true },
  { name: 'mod = rel 1', build: (x) => cmp(x, 'x', 'mod', 'equal', x.abs(1)), holds: false },
  { name: 'mod != rel 1', build: (x) => cmp(x, 'x', 'mod', 'not_equal', x.abs(1)), holds: true },
  { name: 'mod > rel 1', build: (x) => cmp(x, 'x', 'mod', 'greater', x.abs(1)), holds: true },
  { name: 'mod > rel 2', build: (x) => cmp(x, 'x', 'mod', 'greater', x.abs(2)), holds: false },
  { name: 'mod < rel 3', build: (x) => cmp(x, 'x', 'mod', 'less', x.abs(3)), holds: true },
  { name: 'value = v2', build: (x) => cmp(x, 'x', 'value', 'equal', b('v2')), holds: true },
  { name: 'value = v1', build: (x) => cmp(x, 'x', 'value', 'equal', b('v1')), holds: false },
  { name: 'value != v1', build: (x) => cmp(x, 'x', 'value', 'not_equal', b('v1')), holds: true },
  { name: 'value != v2', build: (x) => cmp(x, 'x', 'value', 'not_equal', b('v2')), holds: false },
  { name: 'value > v1 (bytewise)', build: (x) => cmp(x, 'x', 'value', 'greater', b('v1')), holds: true },
  { name: 'value > v10 (bytewise)', build: (x) => cmp(x, 'x', 'value', 'greater', b('v10')), holds: true },
  { name: 'value > v3', build: (x) => cmp(x, 'x', 'value', 'greater', b('v3')), holds: false },
  { name: 'value < v3', build: (x) => cmp(x, 'x', 'value', 'less', b('v3')), holds: true },
  { name: 'value < v2', build: (x) => cmp(x, 'x', 'value', 'less', b('v2')), holds: false },
  { name: 'lease = L', build: (x, l) => cmp(x, 'x', 'lease', 'equal', l), holds: true },
  { name: 'lease = 0', build: (x) => cmp(x, 'x', 'lease', 'equal', 0), holds: false },
  { name: 'lease != 0', build: (x) => cmp(x, 'x', 'lease', 'not_equal', 0), holds: true },
  { name: 'lease > 0', build: (x) => cmp(x, 'x', 'lease', 'greater', 0), holds: true },
  { name: 'lease < L', build: (x, l) => cmp(x, 'x', 'lease', 'less', l), holds: false },
  // A missing key compares as zero revisions, version and lease …
  { name: 'missing: version = 0', build: (x) => cmp(x, 'missing', 'version', 'equal', 0), holds: true },
  { name: 'missing: create = 0', build: (x) => cmp(x, 'missing', 'create', 'equal', 0), holds: true },
  { name: 'missing: mod < 1', build: (x) => cmp(x, 'missing', 'mod', 'less', 1), holds: true },
  { name: 'missing: lease = 0', build: (x) => cmp(x, 'missing', 'lease', 'equal', 0), holds: true },
  // … but every value compare on it fails, even "not equal" (apply.go: "nil == empty string").
  {
    name: 'missing: value != x',
    build: (x) => cmp(x, 'missing', 'value', 'not_equal', b('x')),
    holds: false,
  },
  { name: 'missing: value = ""', build: (x) => cmp(x, 'missing', 'value', 'equal', b('')), holds: false },
];

const txn = (t: Partial<TxnRequest>): TxnRequest => ({ compare: [], success: [], failure: [], ...t });
const put = (ctx: Ctx, key: string) => ({ put: { key: ctx.k(key), value: b('v') } });

export function compareSuite(c: () => Ctx): void {
  it.each(compareRows)('compares $name → $holds', async ({ build, holds: expected }) => {
    const ctx = c();
    const lease = await ctx.grant(60);
    await ctx.store.put({ key: ctx.k('x'), value: b('v1') });
    await ctx.store.put({ key: ctx.k('x'), value: b('v2'), lease: lease.id });
    const res = await ctx.store.txn(txn({ compare: [build(ctx, lease.id)], success: [put(ctx, 'ok')] }));
    expect(res.succeeded).toBe(expected);
    // One revision for a txn that wrote, none for one that did not.
    expect(ctx.rel(res.header.revision)).toBe(expected ? 3 : 2);
  });

  it('needs every compare to hold', async () => {
    const ctx = c();
    await ctx.store.put({ key: ctx.k('x'), value: b('v') });
    const both = [cmp(ctx, 'x', 'version', 'equal', 1), cmp(ctx, 'x', 'value', 'equal', b('v'))];
    expect((await ctx.store.txn(txn({ compare: both }))).succeeded).toBe(true);
    const oneFails = [cmp(ctx, 'x', 'version', 'equal', 1), cmp(ctx, 'x', 'value', 'equal', b('w'))];
    expect((await ctx.store.txn(txn({ compare: oneFails }))).succeeded).toBe(false);
  });

  it.each([
    {
      name: 'every key version > 0',
      from: 'r/',
      to: 'r0',
      target: 'version',
      result: 'greater',
      value: 0,
      holds: true,
    },
    {
      name: 'every key version = 1 (r/2 has 2)',
      from: 'r/',
      to: 'r0',
      target: 'version',
      result: 'equal',
      value: 1,
      holds: false,
    },
    {
      name: 'every key version < 3',
      from: 'r/',
      to: 'r0',
      target: 'version',
      result: 'less',
      value: 3,
      holds: true,
    },
    {
      name: 'every key value != zz',
      from: 'r/',
      to: 'r0',
      target: 'value',
      result: 'not_equal',
      value: 'zz',
      holds: true,
    },
    {
      name: 'an empty range: version = 0',
      from: 's/',
      to: 's0',
      target: 'version',
      result: 'equal',
      value: 0,
      holds: true,
    },
    // etcd compares an empty range as one absent key (apply.go applyCompare), not "vacuously true".
    {
      name: 'an empty range: create > 0',
      from: 's/',
      to: 's0',
      target: 'create',
      result: 'greater',
      value: 0,
      holds: false,
    },
    {
      name: 'an empty range: value != zz',
      from: 's/',
      to: 's0',
      target: 'value',
      result: 'not_equal',
      value: 'zz',
      holds: false,
    },
  ] as const)(
    'compares over a range: $name → $holds',
    async ({ from, to, target, result, value, holds: expected }) => {
      const ctx = c();
      await ctx.store.put({ key: ctx.k('r/1'), value: b('a') });
      await ctx.store.put({ key: ctx.k('r/2'), value: b('b') });
      await ctx.store.put({ key: ctx.k('r/2'), value: b('c') });
      const compare: Compare = {
        key: ctx.k(from),
        rangeEnd: ctx.k(to),
        target,
        result,
        value: typeof value === 'string' ? b(value) : value,
      };
      expect((await ctx.store.txn(txn({ compare: [compare] }))).succeeded).toBe(expected);
    },
  );
}
