/**
 * Conversions between etcd's wire messages (wire.ts) and the Store's types (../types.ts). Pure
 * functions; requests are assumed to have passed validate.ts (etcd's v3rpc checks) first.
 * Where etcd's server interprets a field before its MVCC layer sees it, that happens here and
 * cites etcd.
 */
import {
  StoreError,
  type Compare,
  type CompareResult,
  type CompareTarget,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type SortOrder,
  type SortTarget,
  type TxnRequest,
  type TxnResponse,
  type WatchEvent,
  type WatchFilter,
  type WatchRequest,
} from '../types';
import { clampInt64, exactInt64 } from './int64';
import {
  COMPARE_RESULT,
  COMPARE_TARGET,
  EVENT_TYPE,
  FILTER_TYPE,
  SORT_ORDER,
  SORT_TARGET,
  type CompareIn,
  type DeleteRangeRequestIn,
  type DeleteRangeResponseOut,
  type EventOut,
  type HeaderOut,
  type Int64In,
  type KeyValueOut,
  type NestedHeaderOut,
  type PutRequestIn,
  type PutResponseOut,
  type RangeRequestIn,
  type RangeResponseOut,
  type RequestOpIn,
  type ResponseOpOut,
  type TxnRequestIn,
  type TxnResponseOut,
  type WatchCreateRequestIn,
} from './wire';

type Header = HeaderOut | NestedHeaderOut;

/** Reverse lookup of an enum table: wire number → Store name. */
function nameOf<T extends string>(table: Record<T, number>, value: number): T | undefined {
  return (Object.keys(table) as T[]).find((k) => table[k] === value);
}

const optionalBytes = (b: Buffer): Buffer | undefined => (b.length > 0 ? b : undefined);
/** A positive int64 or undefined (etcd treats ≤ 0 as "not set" for these fields). */
const positive = (v: Int64In): number | undefined => {
  const n = clampInt64(v);
  return n > 0 ? n : undefined;
};

/**
 * A lease id from a request. An id beyond 2^53 cannot name a lease of this server (it grants
 * ids below 2^53), so it is reported exactly as etcd reports any unknown lease.
 */
export function leaseIdIn(v: Int64In): number {
  const id = exactInt64(v);
  if (id === null) throw new StoreError('lease-not-found', 'etcdserver: requested lease not found');
  return id;
}

export function kvOut(kv: KeyValue): KeyValueOut {
  return {
    key: kv.key,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value,
    lease: kv.lease,
  };
}

export function rangeIn(r: RangeRequestIn): RangeRequest {
  const sortTarget: SortTarget = nameOf(SORT_TARGET, r.sort_target) ?? 'key';
  let sortOrder: SortOrder = nameOf(SORT_ORDER, r.sort_order) ?? 'none';
  // etcd's apply layer: results come sorted by key, so a non-key target without an order
  // means ascending (server/etcdserver/txn/range.go).
  if (sortTarget !== 'key' && sortOrder === 'none') sortOrder = 'ascend';
  return {
    key: r.key,
    rangeEnd: optionalBytes(r.range_end),
    limit: positive(r.limit),
    revision: positive(r.revision),
    keysOnly: r.keys_only,
    countOnly: r.count_only,
    sortOrder,
    sortTarget,
    minModRevision: positive(r.min_mod_revision),
    maxModRevision: positive(r.max_mod_revision),
    minCreateRevision: positive(r.min_create_revision),
    maxCreateRevision: positive(r.max_create_revision),
  };
}

export function rangeOut(r: RangeResponse, header: Header): RangeResponseOut {
  return { header, kvs: r.kvs.map(kvOut), more: r.more, count: r.count };
}

export function putIn(r: PutRequestIn): PutRequest {
  const lease = leaseIdIn(r.lease);
  return {
    key: r.key,
    value: r.value,
    lease: lease === 0 ? undefined : lease,
    prevKv: r.prev_kv,
    ignoreValue: r.ignore_value,
    ignoreLease: r.ignore_lease,
  };
}

export function putOut(r: PutResponse, header: Header): PutResponseOut {
  return r.prevKv ? { header, prev_kv: kvOut(r.prevKv) } : { header };
}

export function deleteIn(r: DeleteRangeRequestIn): DeleteRangeRequest {
  return { key: r.key, rangeEnd: optionalBytes(r.range_end), prevKv: r.prev_kv };
}

export function deleteOut(r: DeleteRangeResponse, header: Header): DeleteRangeResponseOut {
  return { header, deleted: r.deleted, prev_kvs: r.prevKvs.map(kvOut) };
}

export function compareIn(c: CompareIn): Compare {
  const target: CompareTarget | undefined = nameOf(COMPARE_TARGET, c.target);
  const result: CompareResult | undefined = nameOf(COMPARE_RESULT, c.result);
  if (!target || !result) {
    throw new StoreError('invalid-argument', `etcdserver: unknown compare ${target ? 'result' : 'target'}`);
  }
  // Like etcd's generated getters: the operand is the oneof member matching the target, and
  // the zero value when the client set another member.
  const operands: Record<CompareTarget, number | Uint8Array> = {
    version: clampInt64(c.version),
    create: clampInt64(c.create_revision),
    mod: clampInt64(c.mod_revision),
    lease: clampInt64(c.lease),
    value: c.value ?? new Uint8Array(0),
  };
  return { key: c.key, rangeEnd: optionalBytes(c.range_end), target, result, value: operands[target] };
}

function opIn(op: RequestOpIn): RequestOp {
  if (op.request_range) return { range: rangeIn(op.request_range) };
  if (op.request_put) return { put: putIn(op.request_put) };
  if (op.request_delete_range) return { deleteRange: deleteIn(op.request_delete_range) };
  if (op.request_txn) return { txn: txnIn(op.request_txn) };
  // validate.ts rejects empty ops before this; etcd answers them with this error.
  throw new StoreError('key-not-found', 'etcdserver: key not found');
}

export function txnIn(t: TxnRequestIn): TxnRequest {
  return { compare: t.compare.map(compareIn), success: t.success.map(opIn), failure: t.failure.map(opIn) };
}

/** `header` is the outer one; nested responses carry only their revision, as etcd's do. */
export function txnOut(t: TxnResponse, header: Header): TxnResponseOut {
  return {
    header,
    succeeded: t.succeeded,
    responses: t.responses.map((r): ResponseOpOut => {
      if ('range' in r) return { response_range: rangeOut(r.range, nested(r.range.header.revision)) };
      if ('put' in r) return { response_put: putOut(r.put, nested(r.put.header.revision)) };
      if ('deleteRange' in r) {
        return { response_delete_range: deleteOut(r.deleteRange, nested(r.deleteRange.header.revision)) };
      }
      return { response_txn: txnOut(r.txn, nested(r.txn.header.revision)) };
    }),
  };
}

const nested = (revision: number): NestedHeaderOut => ({ revision });

/**
 * A watch create request as etcd's watch server reads it (v3rpc/watch.go recvLoop): an empty
 * key means "\x00" (the smallest key); range_end "\x00" means every key ≥ key.
 */
export function watchIn(c: WatchCreateRequestIn): WatchRequest {
  const filters = c.filters
    .map((f) => nameOf(FILTER_TYPE, f))
    .filter((f): f is WatchFilter => f !== undefined);
  return {
    key: c.key.length > 0 ? c.key : new Uint8Array([0]),
    rangeEnd: optionalBytes(c.range_end),
    startRevision: positive(c.start_revision),
    prevKv: c.prev_kv,
    filters,
    progressNotify: c.progress_notify,
  };
}

export function eventOut(e: WatchEvent): EventOut {
  const out: EventOut = { type: EVENT_TYPE[e.type], kv: kvOut(e.kv) };
  if (e.prevKv) out.prev_kv = kvOut(e.prevKv);
  return out;
}
