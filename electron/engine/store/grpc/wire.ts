/**
 * The etcd messages as they cross the wire here — field names and numbers of etcd's rpc.proto /
 * kv.proto, decoded with the options in proto.ts. Only the messages the server reads or writes.
 *
 * Inbound (`…In`): what proto-loader hands a handler. int64 fields are decimal strings, bytes
 * are Buffers, enums are numbers, absent scalars are their zero value, and a oneof names its
 * set member in a virtual field.
 * Outbound (`…Out`): what handlers return. int64 fields may be numbers (exact below 2^53) or
 * decimal strings (uint64 ids); bytes may be any Uint8Array; zero values may be left out.
 */

/** int64/uint64 as decoded (`longs: String`). */
export type Int64In = string;
/** int64/uint64 as sent: a safe integer, or a decimal string for uint64 ids. */
export type Int64Out = number | string;

// Enum values of etcdserverpb / mvccpb (upstream numbering).
export const SORT_ORDER = { none: 0, ascend: 1, descend: 2 } as const;
export const SORT_TARGET = { key: 0, version: 1, create: 2, mod: 3, value: 4 } as const;
export const COMPARE_RESULT = { equal: 0, greater: 1, less: 2, not_equal: 3 } as const;
export const COMPARE_TARGET = { version: 0, create: 1, mod: 2, value: 3, lease: 4 } as const;
export const FILTER_TYPE = { noput: 0, nodelete: 1 } as const;
export const EVENT_TYPE = { put: 0, delete: 1 } as const;

export interface HeaderOut {
  cluster_id: Int64Out;
  member_id: Int64Out;
  revision: Int64Out;
  raft_term: Int64Out;
}

/** Headers of operations nested in a txn carry only the revision, as etcd's do. */
export type NestedHeaderOut = Pick<HeaderOut, 'revision'>;

export interface KeyValueOut {
  key: Uint8Array;
  create_revision: Int64Out;
  mod_revision: Int64Out;
  version: Int64Out;
  value: Uint8Array;
  lease: Int64Out;
}

export interface RangeRequestIn {
  key: Buffer;
  range_end: Buffer;
  limit: Int64In;
  revision: Int64In;
  sort_order: number;
  sort_target: number;
  serializable: boolean;
  keys_only: boolean;
  count_only: boolean;
  min_mod_revision: Int64In;
  max_mod_revision: Int64In;
  min_create_revision: Int64In;
  max_create_revision: Int64In;
}

export interface RangeResponseOut {
  header: HeaderOut | NestedHeaderOut;
  kvs: KeyValueOut[];
  more: boolean;
  count: Int64Out;
}

export interface PutRequestIn {
  key: Buffer;
  value: Buffer;
  lease: Int64In;
  prev_kv: boolean;
  ignore_value: boolean;
  ignore_lease: boolean;
}

export interface PutResponseOut {
  header: HeaderOut | NestedHeaderOut;
  prev_kv?: KeyValueOut;
}

export interface DeleteRangeRequestIn {
  key: Buffer;
  range_end: Buffer;
  prev_kv: boolean;
}

export interface DeleteRangeResponseOut {
  header: HeaderOut | NestedHeaderOut;
  deleted: Int64Out;
  prev_kvs: KeyValueOut[];
}

export interface CompareIn {
  result: number;
  target: number;
  key: Buffer;
  range_end: Buffer;
  target_union?: 'version' | 'create_revision' | 'mod_revision' | 'value' | 'lease';
  version?: Int64In;
  create_revision?: Int64In;
  mod_revision?: Int64In;
  value?: Buffer;
  lease?: Int64In;
}

export interface RequestOpIn {
  request?: 'request_range' | 'request_put' | 'request_delete_range' | 'request_txn';
  request_range?: RangeRequestIn;
  request_put?: PutRequestIn;
  request_delete_range?: DeleteRangeRequestIn;
  request_txn?: TxnRequestIn;
}

export type ResponseOpOut =
  | { response_range: RangeResponseOut }
  | { response_put: PutResponseOut }
  | { response_delete_range: DeleteRangeResponseOut }
  | { response_txn: TxnResponseOut };

export interface TxnRequestIn {
  compare: CompareIn[];
  success: RequestOpIn[];
  failure: RequestOpIn[];
}

export interface TxnResponseOut {
  header: HeaderOut | NestedHeaderOut;
  succeeded: boolean;
  responses: ResponseOpOut[];
}

export interface CompactionRequestIn {
  revision: Int64In;
  physical: boolean;
}

export interface WatchCreateRequestIn {
  key: Buffer;
  range_end: Buffer;
  start_revision: Int64In;
  progress_notify: boolean;
  filters: number[];
  prev_kv: boolean;
  watch_id: Int64In;
  fragment: boolean;
}

export interface WatchRequestIn {
  request_union?: 'create_request' | 'cancel_request' | 'progress_request';
  create_request?: WatchCreateRequestIn;
  cancel_request?: { watch_id: Int64In };
  progress_request?: object;
}

export interface EventOut {
  type: number;
  kv: KeyValueOut;
  prev_kv?: KeyValueOut;
}

export interface WatchResponseOut {
  header: HeaderOut;
  watch_id: Int64Out;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: Int64Out;
  cancel_reason?: string;
  events?: EventOut[];
}

export interface LeaseGrantRequestIn {
  TTL: Int64In;
  ID: Int64In;
}

export interface LeaseIdIn {
  ID: Int64In;
}

export interface LeaseTimeToLiveRequestIn {
  ID: Int64In;
  keys: boolean;
}

export interface AlarmRequestIn {
  action: number;
  memberID: Int64In;
  alarm: number;
}
