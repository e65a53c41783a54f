/**
 * Request checks done before anything is applied, as etcd's checkRequest/checkTxnRequest do:
 * empty keys, size and operation limits, and two writes to one key in one txn branch.
 */
import { LIMITS, StoreError, type RequestOp, type TxnRequest } from '../types';
import { type KeyRange, keyRange, overlaps } from './keys';

export const ERR = {
  emptyKey: () => new StoreError('empty-key', 'etcdserver: key is not provided'),
  tooLarge: () => new StoreError('request-too-large', 'etcdserver: request is too large'),
  tooManyOps: () => new StoreError('too-many-ops', 'etcdserver: too many operations in txn request'),
  duplicateKey: () => new StoreError('duplicate-key', 'etcdserver: duplicate key given in txn request'),
  leaseNotFound: () => new StoreError('lease-not-found', 'etcdserver: requested lease not found'),
  leaseExists: () => new StoreError('lease-exists', 'etcdserver: lease already exists'),
  leaseTtlTooLarge: () => new StoreError('lease-ttl-too-large', 'etcdserver: too large lease TTL'),
  keyNotFound: () => new StoreError('key-not-found', 'etcdserver: key not found'),
  valueProvided: () => new StoreError('invalid-argument', 'etcdserver: value is provided'),
  leaseProvided: () => new StoreError('invalid-argument', 'etcdserver: lease is provided'),
  compacted: (compactRevision: number, currentRevision: number) =>
    new StoreError('compacted', 'etcdserver: mvcc: required revision has been compacted', {
      compactRevision,
      currentRevision,
    }),
  futureRevision: (currentRevision: number) =>
    new StoreError('future-revision', 'etcdserver: mvcc: required revision is a future revision', {
      currentRevision,
    }),
  closed: () => new StoreError('closed', 'the store is closed'),
};

export function checkKey(key: Uint8Array): void {
  if (key.length === 0) throw ERR.emptyKey();
}

/** etcd's checkPutRequest: ignore_value/ignore_lease exclude giving a value/lease. */
export function checkPut(p: {
  key: Uint8Array;
  value: Uint8Array;
  lease?: number;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}): void {
  checkKey(p.key);
  if (p.ignoreValue && p.value.length !== 0) throw ERR.valueProvided();
  if (p.ignoreLease && p.lease) throw ERR.leaseProvided();
}

/** Approximate encoded size of an op (bytes that dominate: keys and values). */
function opSize(op: RequestOp): number {
  if ('put' in op) return op.put.key.length + op.put.value.length + 16;
  if ('range' in op) return op.range.key.length + (op.range.rangeEnd?.length ?? 0) + 16;
  if ('deleteRange' in op) return op.deleteRange.key.length + (op.deleteRange.rangeEnd?.length ?? 0) + 16;
  return txnSize(op.txn);
}

function txnSize(t: TxnRequest): number {
  let n = 0;
  for (const c of t.compare) n += c.key.length + (typeof c.value === 'number' ? 8 : c.value.length) + 16;
  for (const op of [...t.success, ...t.failure]) n += opSize(op);
  return n;
}

export function checkSize(bytes: number): void {
  if (bytes > LIMITS.maxRequestBytes) throw ERR.tooLarge();
}

/** etcd's checkTxnRequest (limits, recursively) and checkIntervals (duplicate writes). */
export function checkTxn(t: TxnRequest, top = true): void {
  if (
    t.compare.length > LIMITS.maxTxnOps ||
    t.success.length > LIMITS.maxTxnOps ||
    t.failure.length > LIMITS.maxTxnOps
  ) {
    throw ERR.tooManyOps();
  }
  if (top) checkSize(txnSize(t));
  for (const c of t.compare) checkKey(c.key);
  for (const branch of [t.success, t.failure]) {
    for (const op of branch) {
      if ('txn' in op) checkTxn(op.txn, false);
      else if ('put' in op) checkPut(op.put);
      else if ('range' in op) checkKey(op.range.key);
      else checkKey(op.deleteRange.key);
    }
    checkDuplicates(branch);
  }
}

/**
 * etcd's checkIntervals: within a branch (nested txns included) a key may be put once and may
 * not be both put and deleted; deletes may overlap each other; a nested txn's then- and
 * else-branches may put the same key (only one of them runs).
 */
function checkDuplicates(ops: RequestOp[]): { puts: Set<string>; dels: KeyRange[] } {
  const dels: KeyRange[] = [];
  for (const op of ops) {
    if ('deleteRange' in op) dels.push(keyRange(op.deleteRange.key, op.deleteRange.rangeEnd));
  }
  const hitsDelete = (k: string) => dels.some((d) => overlaps(d, { start: k, end: k, single: true }));
  const puts = new Set<string>();
  for (const op of ops) {
    if (!('txn' in op)) continue;
    const then = checkDuplicates(op.txn.success);
    const otherwise = checkDuplicates(op.txn.failure);
    for (const k of then.puts) {
      if (puts.has(k) || hitsDelete(k)) throw ERR.duplicateKey();
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || hitsDelete(k)) throw ERR.duplicateKey();
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (!('put' in op)) continue;
    const k = keyRange(op.put.key).start;
    if (puts.has(k) || hitsDelete(k)) throw ERR.duplicateKey();
    puts.add(k);
  }
  return { puts, dels };
}
