/**
 * The request checks etcd's gRPC layer makes before a request reaches its store
 * (server/etcdserver/api/v3rpc/key.go: checkRangeRequest, checkPutRequest, checkDeleteRequest,
 * checkTxnRequest, checkIntervals), with the same order and the same errors, plus the request
 * size limit etcd applies to what it proposes to raft (--max-request-bytes). The Store checks
 * again; doing it here first guarantees etcd's answer whatever the backend says.
 */
import { LIMITS } from '../types';
import { RPC_ERRORS } from './errors';
import type { DeleteRangeRequestIn, PutRequestIn, RangeRequestIn, RequestOpIn, TxnRequestIn } from './wire';

export function checkRange(r: RangeRequestIn): void {
  if (r.key.length === 0) throw RPC_ERRORS.emptyKey();
}

export function checkPut(r: PutRequestIn): void {
  if (r.key.length === 0) throw RPC_ERRORS.emptyKey();
  if (r.ignore_value && r.value.length !== 0) throw RPC_ERRORS.valueProvided();
  if (r.ignore_lease && r.lease !== '0' && r.lease !== '') throw RPC_ERRORS.leaseProvided();
}

export function checkDelete(r: DeleteRangeRequestIn): void {
  if (r.key.length === 0) throw RPC_ERRORS.emptyKey();
}

/** checkTxnRequest then checkIntervals on both branches, as etcd's kvServer.Txn does. */
export function checkTxn(t: TxnRequestIn, maxTxnOps: number = LIMITS.maxTxnOps): void {
  checkTxnRequest(t, maxTxnOps);
  checkIntervals(t.success);
  checkIntervals(t.failure);
}

function checkTxnRequest(t: TxnRequestIn, maxTxnOps: number): void {
  const opc = Math.max(t.compare.length, t.success.length, t.failure.length);
  if (opc > maxTxnOps) throw RPC_ERRORS.tooManyOps();
  for (const c of t.compare) if (c.key.length === 0) throw RPC_ERRORS.emptyKey();
  // etcd passes the remaining budget down to nested txns.
  for (const op of [...t.success, ...t.failure]) checkRequestOp(op, maxTxnOps - opc);
}

function checkRequestOp(op: RequestOpIn, maxTxnOps: number): void {
  if (op.request_range) return checkRange(op.request_range);
  if (op.request_put) return checkPut(op.request_put);
  if (op.request_delete_range) return checkDelete(op.request_delete_range);
  if (op.request_txn) return checkTxnRequest(op.request_txn, maxTxnOps);
  // An empty RequestOp: etcd's answer, odd as it reads.
  throw RPC_ERRORS.keyNotFound();
}

/** [begin, end) over byte strings; `end` null is +∞ (etcd's adt affine "" end). */
interface Interval {
  begin: Buffer;
  end: Buffer | null;
}

const hits = (iv: Interval, key: Buffer) =>
  Buffer.compare(iv.begin, key) <= 0 && (iv.end === null || Buffer.compare(key, iv.end) < 0);

/**
 * etcd's checkIntervals: in one branch (nested txns included) a key may be put at most once and
 * may not be put and deleted; a nested txn's success and failure may put the same key, since
 * only one of them runs. Returns the branch's puts and deletes for the enclosing level.
 */
function checkIntervals(ops: RequestOpIn[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of ops) {
    const d = op.request_delete_range;
    if (!d) continue;
    // A point is [k, k+"\x00"); the test below only needs begin ≤ k < end.
    dels.push({ begin: d.key, end: d.range_end.length > 0 ? d.range_end : Buffer.concat([d.key, ZERO]) });
  }
  const deleted = (k: string) => dels.some((iv) => hits(iv, Buffer.from(k, 'latin1')));

  const puts = new Set<string>();
  for (const op of ops) {
    if (!op.request_txn) continue;
    const then = checkIntervals(op.request_txn.success);
    const otherwise = checkIntervals(op.request_txn.failure);
    for (const k of then.puts) {
      if (puts.has(k) || deleted(k)) throw RPC_ERRORS.duplicateKey();
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || deleted(k)) throw RPC_ERRORS.duplicateKey();
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (!op.request_put) continue;
    const k = op.request_put.key.toString('latin1');
    if (puts.has(k) || deleted(k)) throw RPC_ERRORS.duplicateKey();
    puts.add(k);
  }
  return { puts, dels };
}

const ZERO = Buffer.from([0]);

/**
 * etcd refuses a write whose raft proposal (an InternalRaftRequest wrapping the request with a
 * small header) exceeds --max-request-bytes. `messageBytes` is the request as received; the
 * wrapper adds a request id header (≈ 12 bytes) and the field tag and length (≤ 5 bytes).
 */
export function checkRequestSize(messageBytes: number): void {
  const proposalBytes = messageBytes + 17;
  if (proposalBytes > LIMITS.maxRequestBytes) throw RPC_ERRORS.requestTooLarge();
}
