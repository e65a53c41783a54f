/**
 * Store requests → etcd's protobuf messages (etcd3's rpc.d.ts shapes) and etcd's answers → Store
 * responses. Pure functions; bytes go out as Buffers sharing the caller's memory.
 */
import type {
  ICompare,
  IDeleteRangeRequest,
  IDeleteRangeResponse,
  IEvent,
  IKeyValue,
  IPutRequest,
  IPutResponse,
  IRangeRequest,
  IRangeResponse,
  IRequestOp,
  IResponseHeader,
  IResponseOp,
  ITxnRequest,
  ITxnResponse,
  IWatchCreateRequest,
} from 'etcd3';
import type { Logger } from '../../log';
import {
  StoreError,
  type Bytes,
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
  type WatchEvent,
  type WatchRequest,
} from '../types';
import { int64, leaseIdFromEtcd, leaseIdToEtcd } from './int64';

// Enum names as in etcd3's copy of rpc.proto (decoded with `enums: String`).
const SORT_ORDER = { none: 'None', ascend: 'Ascend', descend: 'Descend' } as const;
const SORT_TARGET = { key: 'Key', version: 'Version', create: 'Create', mod: 'Mod', value: 'Value' } as const;
const COMPARE_RESULT = { equal: 'Equal', greater: 'Greater', less: 'Less', not_equal: 'NotEqual' } as const;
const COMPARE_TARGET = {
  version: 'Version',
  create: 'Create',
  mod: 'Mod',
  value: 'Value',
  lease: 'Lease',
} as const;
const FILTER = { noput: 'Noput', nodelete: 'Nodelete' } as const;

export function buf(bytes: Bytes): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An absent or empty range end means "just the key" in both APIs. */
function rangeEnd(end: Bytes | undefined): Buffer | undefined {
  return end && end.length > 0 ? buf(end) : undefined;
}

export function header(h: IResponseHeader | undefined | null): ResponseHeader {
  return { revision: int64(h?.revision) };
}

export function keyValue(kv: IKeyValue, log?: Logger): KeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: int64(kv.create_revision),
    modRevision: int64(kv.mod_revision),
    version: int64(kv.version),
    lease: leaseIdFromEtcd(kv.lease, log),
  };
}

export function rangeRequest(r: RangeRequest): IRangeRequest {
  return {
    key: buf(r.key),
    range_end: rangeEnd(r.rangeEnd),
    limit: r.limit ?? 0,
    revision: r.revision ?? 0,
    keys_only: r.keysOnly ?? false,
    count_only: r.countOnly ?? false,
    sort_order: SORT_ORDER[r.sortOrder ?? 'none'],
    sort_target: SORT_TARGET[r.sortTarget ?? 'key'],
    min_mod_revision: r.minModRevision ?? 0,
    max_mod_revision: r.maxModRevision ?? 0,
    min_create_revision: r.minCreateRevision ?? 0,
    max_create_revision: r.maxCreateRevision ?? 0,
  };
}

export function rangeResponse(r: IRangeResponse, log?: Logger): RangeResponse {
  return {
    header: header(r.header),
    kvs: (r.kvs ?? []).map((kv) => keyValue(kv, log)),
    more: r.more,
    count: int64(r.count),
  };
}

export function putRequest(r: PutRequest): IPutRequest {
  return {
    key: buf(r.key),
    value: buf(r.value),
    lease: leaseIdToEtcd(r.lease ?? 0),
    prev_kv: r.prevKv ?? false,
    ignore_value: r.ignoreValue ?? false,
    ignore_lease: r.ignoreLease ?? false,
  };
}

export function putResponse(r: IPutResponse, log?: Logger): PutResponse {
  const out: PutResponse = { header: header(r.header) };
  if (r.prev_kv) out.prevKv = keyValue(r.prev_kv, log);
  return out;
}

export function deleteRequest(r: DeleteRangeRequest): IDeleteRangeRequest {
  return { key: buf(r.key), range_end: rangeEnd(r.rangeEnd), prev_kv: r.prevKv ?? false };
}

export function deleteResponse(r: IDeleteRangeResponse, log?: Logger): DeleteRangeResponse {
  return {
    header: header(r.header),
    deleted: int64(r.deleted),
    prevKvs: (r.prev_kvs ?? []).map((kv) => keyValue(kv, log)),
  };
}

export function compare(c: Compare): ICompare {
  const out: ICompare = {
    key: buf(c.key),
    range_end: rangeEnd(c.rangeEnd),
    target: COMPARE_TARGET[c.target],
    result: COMPARE_RESULT[c.result],
  };
  const v = c.value;
  switch (c.target) {
    case 'value':
      if (typeof v === 'number') throw new StoreError('invalid-argument', 'a value compare needs bytes');
      out.value = buf(v);
      break;
    case 'version':
      out.version = num(v);
      break;
    case 'create':
      out.create_revision = num(v);
      break;
    case 'mod':
      out.mod_revision = num(v);
      break;
    case 'lease':
      out.lease = leaseIdToEtcd(num(v));
      break;
  }
  return out;
}

function num(v: number | Bytes): number {
  if (typeof v !== 'number')
    throw new StoreError('invalid-argument', 'a version/create/mod/lease compare needs a number');
  return v;
}

function requestOp(op: RequestOp): IRequestOp {
  if ('range' in op) return { request_range: rangeRequest(op.range) };
  if ('put' in op) return { request_put: putRequest(op.put) };
  if ('deleteRange' in op) return { request_delete_range: deleteRequest(op.deleteRange) };
  return { request_txn: txnRequest(op.txn) };
}

export function txnRequest(t: TxnRequest): ITxnRequest {
  return {
    compare: t.compare.map(compare),
    success: t.success.map(requestOp),
    failure: t.failure.map(requestOp),
  };
}

/** The oneof member etcd set (`oneofs: true` names it in `response`). */
type OneofResponseOp = IResponseOp & { response?: keyof IResponseOp };

function responseOp(op: OneofResponseOp, log?: Logger): ResponseOp {
  switch (op.response) {
    case 'response_range':
      return { range: rangeResponse(op.response_range, log) };
    case 'response_put':
      return { put: putResponse(op.response_put, log) };
    case 'response_delete_range':
      return { deleteRange: deleteResponse(op.response_delete_range, log) };
    case 'response_txn':
      return { txn: txnResponse(op.response_txn, log) };
    default:
      throw new Error(`etcd sent a txn response op of unknown kind ${String(op.response)}`);
  }
}

export function txnResponse(r: ITxnResponse, log?: Logger): TxnResponse {
  return {
    header: header(r.header),
    succeeded: r.succeeded,
    responses: (r.responses ?? []).map((op) => responseOp(op, log)),
  };
}

/** Whether a txn writes nothing in any branch (then resending it is harmless). */
export function isReadOnlyTxn(t: TxnRequest): boolean {
  return [...t.success, ...t.failure].every((op) => 'range' in op || ('txn' in op && isReadOnlyTxn(op.txn)));
}

export function watchCreateRequest(r: WatchRequest, startRevision: number): IWatchCreateRequest {
  return {
    key: buf(r.key),
    range_end: rangeEnd(r.rangeEnd),
    start_revision: startRevision,
    progress_notify: r.progressNotify ?? false,
    filters: (r.filters ?? []).map((f) => FILTER[f]),
    prev_kv: r.prevKv ?? false,
  };
}

export function watchEvent(e: IEvent, log?: Logger): WatchEvent {
  const out: WatchEvent = { type: e.type === 'Delete' ? 'delete' : 'put', kv: keyValue(e.kv, log) };
  if (e.prev_kv) out.prevKv = keyValue(e.prev_kv, log);
  return out;
}
