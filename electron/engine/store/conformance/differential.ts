/**
 * Differential testing: a seeded random sequence of operations (differential-ops.ts), generated
 * once and run against several stores. Results are normalised — revisions relative to the run's
 * start, keys without the run's prefix, errors as their code — so they can be compared op by op
 * with real etcd's.
 *
 * Normalisation also removes what etcd leaves undefined: the order of keys whose sort target is
 * equal (Go's sort.Sort is not stable) — the sequence of sort values is kept, ties are ordered by
 * key — and the header revision of a nested txn response (etcd 3.4 leaves it 0; a conformance
 * test covers it). Limits are only generated with key order, as which tied keys a limit keeps
 * is undefined too.
 */
import type {
  Compare,
  KeyValue,
  RangeRequest,
  RangeResponse,
  RequestOp,
  SortTarget,
  Store,
  TxnRequest,
  TxnResponse,
  WatchEvent,
} from '../types';
import { StoreError } from '../types';
import { prefixEnd } from './context';
import {
  VALUES,
  type GenCompare,
  type GenOp,
  type GenRange,
  type GenReqOp,
  type GenTxn,
} from './differential-ops';
import { must } from '../testing/must';

/**
 * Runs the ops on `store` under a fresh `prefix`: one normalised result per op, then the events a
 * watch on the prefix (opened before the first op, with prev_kv) delivered.
 */
export async function execute(store: Store, prefix: Buffer, ops: GenOp[]): Promise<unknown[]> {
  const base = (await store.range({ key: prefix, countOnly: true })).header.revision;
  const events: WatchEvent[] = [];
  let onEvent: () => void = () => undefined;
  const watch = await store.watch(
    { key: prefix, rangeEnd: prefixEnd(prefix), startRevision: base + 1, prevKv: true },
    (m) => {
      if (m.type === 'events') events.push(...m.events);
      onEvent();
    },
  );
  let current = base;
  const key = (i: number) => Buffer.concat([prefix, Buffer.from(`k${i}`)]);
  const endKey = (e: number | 'all' | undefined) =>
    e === undefined ? undefined : e === 'all' ? prefixEnd(prefix) : key(e);
  const revBack = (back: number) => (back === 0 ? 0 : Math.max(base, current - back));
  const norm = new Normaliser(base, prefix.length);

  const rangeReq = (g: GenRange): RangeRequest => ({
    key: key(g.key),
    rangeEnd: endKey(g.end),
    limit: g.limit,
    revision: revBack(g.back),
    keysOnly: g.keysOnly,
    countOnly: g.countOnly,
    sortOrder: g.sortOrder,
    sortTarget: g.sortTarget,
    minModRevision: g.minModBack ? Math.max(1, current - g.minModBack) : 0,
  });
  const compare = (g: GenCompare): Compare => ({
    key: key(g.key),
    rangeEnd: g.end === undefined ? undefined : key(g.end),
    target: g.target,
    result: g.result,
    value:
      g.target === 'value'
        ? Buffer.from(VALUES[g.n] as string)
        : g.target === 'mod' || g.target === 'create'
          ? Math.max(0, current - g.n)
          : g.target === 'lease'
            ? 0
            : g.n,
  });
  const reqOp = (g: GenReqOp): RequestOp => {
    if ('put' in g)
      return { put: { key: key(g.put.key), value: Buffer.from(g.put.value), prevKv: g.put.prevKv } };
    if ('del' in g)
      return { deleteRange: { key: key(g.del.key), rangeEnd: endKey(g.del.end), prevKv: g.del.prevKv } };
    if ('range' in g) return { range: rangeReq(g.range) };
    return { txn: txnReq(g.txn) };
  };
  const txnReq = (g: GenTxn): TxnRequest => ({
    compare: g.compare.map(compare),
    success: g.success.map(reqOp),
    failure: g.failure.map(reqOp),
  });

  const results: unknown[] = [];
  for (const op of ops) {
    try {
      if ('compact' in op) {
        const res = await store.compact(Math.max(base, current - op.compact.back));
        results.push({ compact: norm.rev(res.header.revision) });
        continue;
      }
      const req = reqOp(op);
      let out: unknown;
      let rev: number;
      if ('put' in req) {
        const res = await store.put(req.put);
        rev = res.header.revision;
        out = { put: norm.rev(rev), prevKv: res.prevKv ? norm.kv(res.prevKv) : null };
      } else if ('deleteRange' in req) {
        const res = await store.deleteRange(req.deleteRange);
        rev = res.header.revision;
        out = { del: norm.rev(rev), deleted: res.deleted, prevKvs: res.prevKvs.map((kv) => norm.kv(kv)) };
      } else if ('range' in req) {
        const res = await store.range(req.range);
        rev = res.header.revision;
        out = norm.range(req.range, res);
      } else {
        const res = await store.txn(req.txn);
        rev = res.header.revision;
        out = { txn: norm.rev(rev), ...norm.txn(req.txn, res) };
      }
      current = Math.max(current, rev);
      results.push(out);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      results.push({ error: err.code });
    }
  }
  // Every write of the run was under the prefix, so the watch must reach the last revision.
  await new Promise<void>((resolve, reject) => {
    const done = () => current === base || events[events.length - 1]?.kv.modRevision === current;
    if (done()) return resolve();
    const timer = setTimeout(
      () => reject(new Error(`the watch did not reach revision ${current} in 10 s`)),
      10_000,
    );
    onEvent = () => {
      if (done()) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  watch.cancel();
  results.push({ watched: events.map((e) => [e.type, norm.kv(e.kv), e.prevKv ? norm.kv(e.prevKv) : null]) });
  return results;
}

class Normaliser {
  constructor(
    private readonly base: number,
    private readonly prefixLength: number,
  ) {}

  rev(r: number): number {
    return r - this.base;
  }

  kv(kv: KeyValue): [string, string, number, number, number, boolean] {
    return [
      Buffer.from(kv.key).subarray(this.prefixLength).toString(),
      Buffer.from(kv.value).toString(),
      kv.createRevision === 0 ? 0 : this.rev(kv.createRevision),
      this.rev(kv.modRevision),
      kv.version,
      kv.lease !== 0,
    ];
  }

  range(req: RangeRequest, res: RangeResponse): unknown {
    const kvs = res.kvs.map((kv) => this.kv(kv));
    const target = req.sortTarget ?? 'key';
    if (target !== 'key') {
      // Keep the sequence of sort values; order ties by key.
      const order = res.kvs.map((kv, i) => ({ kv: must(kvs[i]), i, v: sortValue(kv, target) }));
      order.sort((a, b) => (a.v === b.v ? (a.kv[0] < b.kv[0] ? -1 : 1) : a.i - b.i));
      return {
        rev: this.rev(res.header.revision),
        count: res.count,
        more: res.more,
        kvs: order.map((o) => o.kv),
      };
    }
    return { rev: this.rev(res.header.revision), count: res.count, more: res.more, kvs };
  }

  /** A txn's outcome and its branch's responses; a nested txn's header revision is left out. */
  txn(req: TxnRequest, res: TxnResponse): { succeeded: boolean; responses: unknown[] } {
    const branch = res.succeeded ? req.success : req.failure;
    const responses = res.responses.map((op, i) => {
      const sent = branch[i];
      if ('range' in op)
        return sent && 'range' in sent ? this.range(sent.range, op.range) : { range: 'unexpected' };
      if ('put' in op)
        return {
          put: this.rev(op.put.header.revision),
          prevKv: op.put.prevKv ? this.kv(op.put.prevKv) : null,
        };
      if ('deleteRange' in op) {
        return {
          del: this.rev(op.deleteRange.header.revision),
          deleted: op.deleteRange.deleted,
          prevKvs: op.deleteRange.prevKvs.map((kv) => this.kv(kv)),
        };
      }
      return sent && 'txn' in sent ? { nested: this.txn(sent.txn, op.txn) } : { txn: 'unexpected' };
    });
    return { succeeded: res.succeeded, responses };
  }
}

function sortValue(kv: KeyValue, target: SortTarget): string | number {
  switch (target) {
    case 'version':
      return kv.version;
    case 'create':
      return kv.createRevision;
    case 'mod':
      return kv.modRevision;
    case 'value':
      return Buffer.from(kv.value).toString('latin1');
    case 'key':
      return Buffer.from(kv.key).toString('latin1');
  }
}

/** Index of the first differing result, or -1. */
export function firstDifference(a: unknown[], b: unknown[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return i;
  return -1;
}
