/**
 * The random operations of the differential test (differential.ts): a seeded generator of puts,
 * deletes, ranges (limits, historical revisions, keys/count only, every sort, revision filters),
 * txns (compares on every target, over ranges, nested txns, duplicate keys) and compactions over
 * a small keyspace, so operations collide often. Key and revision choices are indices and
 * offsets, resolved against each store when run.
 */
import type { Compare, SortOrder, SortTarget } from '../types';

export type GenRange = {
  key: number;
  /** Key index, 'all' for the prefix end, undefined for one key. */
  end?: number | 'all';
  limit: number;
  /** Read this many revisions back from the current one (0: current). */
  back: number;
  keysOnly: boolean;
  countOnly: boolean;
  sortOrder: SortOrder;
  sortTarget: SortTarget;
  minModBack: number;
};
export type GenCompare = {
  key: number;
  end?: number;
  target: Compare['target'];
  result: Compare['result'];
  /** version: the number; mod/create: revisions back from current; value: a value index. */
  n: number;
};
export type GenReqOp =
  | { put: { key: number; value: string; prevKv: boolean } }
  | { del: { key: number; end?: number | 'all'; prevKv: boolean } }
  | { range: GenRange }
  | { txn: GenTxn };
export type GenTxn = { compare: GenCompare[]; success: GenReqOp[]; failure: GenReqOp[] };
export type GenOp = GenReqOp | { compact: { back: number } };

export const KEYS = 8;
export const VALUES = ['a', 'b', 'c', 'dd', ''];
const ORDERS: SortOrder[] = ['none', 'ascend', 'descend'];
const TARGETS: SortTarget[] = ['key', 'version', 'create', 'mod', 'value'];
const RESULTS: Compare['result'][] = ['equal', 'not_equal', 'greater', 'less'];
const CMP_TARGETS: Compare['target'][] = ['version', 'create', 'mod', 'value', 'lease'];

/** mulberry32: small, fast, good enough to pick test operations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(seed: number, count: number): GenOp[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const end = (from: number): number | 'all' | undefined =>
    r() < 0.5 ? undefined : r() < 0.3 ? 'all' : Math.min(KEYS, from + 1 + int(4));
  const range = (nested: boolean): GenRange => {
    const sortTarget = r() < 0.5 ? 'key' : pick(TARGETS);
    const key = int(KEYS);
    return {
      key,
      end: end(key),
      limit: sortTarget === 'key' && r() < 0.4 ? int(4) : 0,
      back: nested || r() < 0.6 ? 0 : int(6),
      keysOnly: r() < 0.15,
      countOnly: r() < 0.1,
      sortOrder: r() < 0.5 ? 'none' : pick(ORDERS),
      sortTarget,
      minModBack: r() < 0.15 ? 1 + int(8) : 0,
    };
  };
  const reqOp = (depth: number): GenReqOp => {
    const x = r();
    if (x < 0.45) return { put: { key: int(KEYS), value: pick(VALUES), prevKv: r() < 0.3 } };
    if (x < 0.65) {
      const key = int(KEYS);
      return { del: { key, end: end(key), prevKv: r() < 0.3 } };
    }
    if (x < 0.9 || depth > 0) return { range: range(true) };
    return { txn: txn(depth + 1) };
  };
  const txn = (depth: number): GenTxn => {
    const compare = Array.from({ length: int(3) }, (): GenCompare => {
      const target = pick(CMP_TARGETS);
      const key = int(KEYS);
      return {
        key,
        end: r() < 0.15 ? Math.min(KEYS, key + 1 + int(3)) : undefined,
        target,
        result: pick(RESULTS),
        n: target === 'value' ? int(VALUES.length) : int(4),
      };
    });
    const ops = () => Array.from({ length: int(4) }, () => reqOp(depth));
    return { compare, success: ops(), failure: ops() };
  };
  return Array.from({ length: count }, (): GenOp => {
    const x = r();
    if (x < 0.35) return { put: { key: int(KEYS), value: pick(VALUES), prevKv: r() < 0.4 } };
    if (x < 0.47) {
      const key = int(KEYS);
      return { del: { key, end: end(key), prevKv: r() < 0.4 } };
    }
    if (x < 0.72) return { range: range(false) };
    if (x < 0.98) return { txn: txn(0) };
    return { compact: { back: int(4) } };
  });
}
