/**
 * The cluster store's contract: etcd v3 semantics, shared by every backend (memory, embedded
 * LMDB, a real etcd cluster) and served over etcd's gRPC API by `grpc/`. Layered like kine:
 * the etcd-facing server → this interface → a database.
 *
 * Semantics follow etcd's mvcc package unless a comment says otherwise:
 * - One global revision, incremented once per write request (a put, a delete that deleted
 *   something, or a txn with at least one write), never reused. The store starts at revision 1.
 * - Per key: createRevision (revision of the put that created this generation), modRevision
 *   (last write), version (writes since creation; a delete resets the key to absent).
 * - Revisions are JS numbers: exact up to 2^53, far beyond what a store reaches.
 * - Keys and values are bytes (Uint8Array/Buffer); an empty `rangeEnd` means "just `key`", the
 *   single byte 0x00 means "every key >= key" (etcd's convention), otherwise [key, rangeEnd).
 */

export type Bytes = Uint8Array;

export interface ResponseHeader {
  /** The store's revision when the request was answered (for writes: the new revision). */
  revision: number;
}

export interface KeyValue {
  key: Bytes;
  value: Bytes;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Lease id, 0 when none. */
  lease: number;
}

export type SortOrder = 'none' | 'ascend' | 'descend';
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';

export interface RangeRequest {
  key: Bytes;
  rangeEnd?: Bytes;
  /** 0 or absent: no limit. */
  limit?: number;
  /** 0 or absent: the current revision. Compacted → StoreError 'compacted'; future → 'future-revision'. */
  revision?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  /** More keys matched than `limit` returned. */
  more: boolean;
  /** Keys in the range (ignoring limit). */
  count: number;
}

export interface PutRequest {
  key: Bytes;
  value: Bytes;
  lease?: number;
  prevKv?: boolean;
  /** Keep the current value (error 'key-not-found' if the key does not exist). */
  ignoreValue?: boolean;
  /** Keep the current lease (error 'key-not-found' if the key does not exist). */
  ignoreLease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Bytes;
  rangeEnd?: Bytes;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export type CompareTarget = 'version' | 'create' | 'mod' | 'value' | 'lease';
export type CompareResult = 'equal' | 'greater' | 'less' | 'not_equal';

export interface Compare {
  key: Bytes;
  /** When set, the compare must hold for every key in [key, rangeEnd) (etcd ≥ 3.3). */
  rangeEnd?: Bytes;
  target: CompareTarget;
  result: CompareResult;
  /** A number for version/create/mod/lease, bytes for value. */
  value: number | Bytes;
}

export type RequestOp =
  { range: RangeRequest } | { put: PutRequest } | { deleteRange: DeleteRangeRequest } | { txn: TxnRequest };

export type ResponseOp =
  | { range: RangeResponse }
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactResponse {
  header: ResponseHeader;
}

export type WatchFilter = 'noput' | 'nodelete';

export interface WatchRequest {
  key: Bytes;
  rangeEnd?: Bytes;
  /** First revision to deliver; absent or 0: changes after the current revision. */
  startRevision?: number;
  prevKv?: boolean;
  filters?: WatchFilter[];
  /** Ask for a progress notification (empty batch with the current revision) when idle ~10 min as etcd, or on requestProgress(). */
  progressNotify?: boolean;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For deletes: key with modRevision = the delete's revision, empty value, version 0. */
  kv: KeyValue;
  prevKv?: KeyValue;
}

/** What a watcher receives. Batches are in revision order; events within a batch too. */
export type WatchMessage =
  | { type: 'events'; header: ResponseHeader; events: WatchEvent[] }
  /** No events, but everything up to header.revision has been delivered. */
  | { type: 'progress'; header: ResponseHeader }
  /** The start revision is compacted; the watch is over. */
  | { type: 'compacted'; header: ResponseHeader; compactRevision: number }
  /** The watch ended because the store closed or failed; `error` says why. */
  | { type: 'canceled'; header: ResponseHeader; error: StoreError };

export interface Watch {
  /** Ask for a progress notification now (etcd's WatchProgressRequest). */
  requestProgress(): void;
  /** Stop delivering; idempotent. */
  cancel(): void;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  id: number;
  /** Seconds. */
  ttl: number;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  id: number;
  /** Remaining seconds; -1 when the lease does not exist (etcd's answer, not an error). */
  ttl: number;
  grantedTtl: number;
  keys: Bytes[];
}

export interface StoreStatus {
  header: ResponseHeader;
  /** Bytes the database file takes on disk (0 for memory). */
  dbSize: number;
  /** Bytes in use inside it (the rest is free pages for reuse). */
  dbSizeInUse: number;
  compactRevision: number;
  /** Which backend answers: 'memory', 'embedded', 'etcd'. */
  backend: string;
  /** For the etcd backend: the server's version. */
  version: string;
}

export type StoreErrorCode =
  /** The revision asked for was compacted away. */
  | 'compacted'
  /** The revision asked for is beyond the current one. */
  | 'future-revision'
  | 'lease-not-found'
  /** leaseGrant with an id that is taken. */
  | 'lease-exists'
  /** leaseGrant with a TTL above etcd's maximum (9,000,000,000 s). */
  | 'lease-ttl-too-large'
  /** ignoreValue/ignoreLease on a key that does not exist. */
  | 'key-not-found'
  | 'empty-key'
  /** A request over the size limit (1.5 MiB, etcd's --max-request-bytes default). */
  | 'request-too-large'
  /** A txn with more than 128 operations (etcd's --max-txn-ops default). */
  | 'too-many-ops'
  /** A txn writing the same key twice in one branch. */
  | 'duplicate-key'
  | 'invalid-argument'
  /** No quorum, unreachable cluster, or a store that failed; the API server answers 503. */
  | 'unavailable'
  /** The store was closed. */
  | 'closed'
  /** The database on disk cannot be used (corrupt, truncated, wrong format). */
  | 'corrupt';

/** Errors with etcd's meaning; `message` is etcd's own text where etcd has one. */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details: { compactRevision?: number; currentRevision?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Limits shared by every backend, etcd's defaults. */
export const LIMITS = {
  maxRequestBytes: 1.5 * 1024 * 1024,
  maxTxnOps: 128,
  /** etcd rounds shorter TTLs up to this (1.5 × the default 1 s election timeout, ceiled). */
  minLeaseTtl: 2,
  maxLeaseTtl: 9_000_000_000,
} as const;

/**
 * The store. Every method is safe to call concurrently. A write issued after another write's
 * promise resolved is applied after it (the memory and embedded backends also apply concurrent
 * writes in call order; a real etcd cluster does not promise that). A write's promise resolves
 * only once it is durable (embedded: fsynced). Reads see every write whose promise has resolved.
 */
export interface Store {
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  /**
   * Compact history at `revision`: older revisions can no longer be read or watched from.
   * Errors: 'compacted' if already compacted at or past it, 'future-revision' if beyond current.
   */
  compact(revision: number): Promise<CompactResponse>;
  /**
   * Watch a key or range. Events from `startRevision` (which may be in the past) arrive in
   * order, then live ones. The listener must not throw; it is called synchronously in revision
   * order. Resolves once the watch is registered (etcd's "created").
   */
  watch(req: WatchRequest, listener: (msg: WatchMessage) => void): Promise<Watch>;
  /** Grant a lease; `id` 0 or absent picks one. */
  leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse>;
  /** Revoke a lease and delete its keys in one revision. Error 'lease-not-found'. */
  leaseRevoke(id: number): Promise<ResponseHeader>;
  /** Reset a lease's remaining time to its TTL; returns the TTL. Error 'lease-not-found'. */
  leaseKeepAlive(id: number): Promise<{ header: ResponseHeader; id: number; ttl: number }>;
  leaseTimeToLive(id: number, keys?: boolean): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<{ header: ResponseHeader; ids: number[] }>;
  status(): Promise<StoreStatus>;
  /** Stop timers, end watches with 'canceled', and release the database. Idempotent. */
  close(): Promise<void>;
}
