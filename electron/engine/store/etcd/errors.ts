/**
 * What an etcd error means for the Store: its StoreError code, and whether the request can be
 * sent again.
 *
 * etcd answers application errors as gRPC statuses whose details are its own error text
 * (etcdserver/api/v3rpc/rpctypes/error.go), e.g. OUT_OF_RANGE "etcdserver: mvcc: required
 * revision has been compacted". Those texts are stable across 3.x and are what we match; the
 * StoreError keeps etcd's text as its message, as the Store contract asks.
 *
 * Retry safety (`retryClass`):
 * - 'not-applied': the request provably never reached the raft log — no connection was
 *   established, the member rejected it up front ("etcdserver: no leader" from the require-leader
 *   check, "too many requests", an expired auth token). Safe to resend anything, writes included.
 * - 'maybe-applied': a timeout or a connection lost mid-call. A read can be resent; a write cannot
 *   (it may have been committed), so it fails with 'unavailable' saying the outcome is unknown.
 * - 'final': an answer (compacted, lease not found, …); resending gives the same answer.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { StoreError, type StoreErrorCode } from '../types';

/** A failed gRPC call to one etcd member, with the gRPC status kept (etcd3's own wrappers drop it). */
export class EtcdCallError extends Error {
  override name = 'EtcdCallError';
  constructor(
    readonly grpcCode: GrpcStatus,
    /** etcd's error text (the gRPC status details). */
    readonly details: string,
    readonly endpoint: string,
  ) {
    super(`${endpoint}: ${GrpcStatus[grpcCode] ?? grpcCode}: ${details}`);
  }
}

export type RetryClass = 'not-applied' | 'maybe-applied' | 'final';

/** etcd's error texts → Store codes; first match wins. */
const BY_TEXT: [needle: string, code: StoreErrorCode][] = [
  ['required revision has been compacted', 'compacted'],
  ['required revision is a future revision', 'future-revision'],
  ['requested lease not found', 'lease-not-found'],
  ['lease already exists', 'lease-exists'],
  ['too large lease TTL', 'lease-ttl-too-large'],
  ['etcdserver: key not found', 'key-not-found'],
  ['key is not provided', 'empty-key'],
  ['request is too large', 'request-too-large'],
  // The gRPC layer's own limit (etcd: max-request-bytes + 512 KiB): grpc-go says "grpc: received
  // message larger than max", grpc-js (our embedded server) "Received message larger than max".
  ['eceived message larger than max', 'request-too-large'],
  ['too many operations in txn request', 'too-many-ops'],
  ['duplicate key given in txn request', 'duplicate-key'],
  ['value is provided', 'invalid-argument'],
  ['lease is provided', 'invalid-argument'],
];

/** Rejected before the raft log: resending cannot apply a request twice. */
const NOT_APPLIED_TEXT = [
  'etcdserver: no leader',
  'etcdserver: too many requests',
  'etcdserver: invalid auth token',
  'auth: revision in header is old',
  'etcdserver: revision of auth store is old',
  'No connection established',
  'ECONNREFUSED',
  'Name resolution failed',
];

/** The cluster (or this member) cannot answer now. */
const UNAVAILABLE_TEXT = [
  'etcdserver: no leader',
  'etcdserver: request timed out',
  'etcdserver: leader changed',
  'etcdserver: server stopped',
  'etcdserver: unhealthy cluster',
  'etcdserver: too many requests',
  'etcdserver: not leader',
  'etcdserver: not capable',
];

const TRANSIENT_CODES = new Set<GrpcStatus>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
  GrpcStatus.UNKNOWN,
  GrpcStatus.INTERNAL,
]);

export function retryClass(err: unknown): RetryClass {
  if (!(err instanceof EtcdCallError)) return 'final';
  if (NOT_APPLIED_TEXT.some((t) => err.details.includes(t))) return 'not-applied';
  if (BY_TEXT.some(([t]) => err.details.includes(t))) return 'final';
  if (UNAVAILABLE_TEXT.some((t) => err.details.includes(t)) || TRANSIENT_CODES.has(err.grpcCode)) {
    return 'maybe-applied';
  }
  return 'final';
}

/** Whether the member looks unusable, so the next attempt should go to another one. */
export function isMemberFailure(err: EtcdCallError): boolean {
  return retryClass(err) !== 'final';
}

/** Needs a fresh auth token before the request is resent. */
export function isStaleToken(err: EtcdCallError): boolean {
  return ['invalid auth token', 'revision in header is old', 'revision of auth store is old'].some((t) =>
    err.details.includes(t),
  );
}

/**
 * The StoreError for an etcd answer. Transport failures and quorum loss become 'unavailable'
 * with a message that says so; see `unavailableError` for errors after retries ran out.
 */
export function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  if (!(err instanceof EtcdCallError)) {
    const message = err instanceof Error ? err.message : String(err);
    return new StoreError('unavailable', `etcd request failed: ${message}`, {}, { cause: err });
  }
  const byText = BY_TEXT.find(([t]) => err.details.includes(t));
  if (byText) return new StoreError(byText[1], err.details, {}, { cause: err });
  if (err.details.includes('database space exceeded')) {
    return new StoreError(
      'unavailable',
      `${err.details}: the etcd cluster is out of space; compact and defragment it, then disarm the NOSPACE alarm`,
      {},
      { cause: err },
    );
  }
  if (
    err.grpcCode === GrpcStatus.UNAUTHENTICATED ||
    err.grpcCode === GrpcStatus.PERMISSION_DENIED ||
    /authentication failed|permission denied|invalid auth token|user name/.test(err.details)
  ) {
    // The Store has no auth code: a store we may not use is unavailable to the API server.
    return new StoreError(
      'unavailable',
      `etcd at ${err.endpoint} refused the credentials (${err.details}); check the etcd username, password or client certificate`,
      {},
      { cause: err },
    );
  }
  if (retryClass(err) !== 'final') return unavailableError([err], 'read');
  if (err.grpcCode === GrpcStatus.INVALID_ARGUMENT || err.grpcCode === GrpcStatus.OUT_OF_RANGE) {
    return new StoreError('invalid-argument', err.details, {}, { cause: err });
  }
  return new StoreError('unavailable', `etcd at ${err.endpoint} failed: ${err.details}`, {}, { cause: err });
}

/**
 * 'unavailable' after the attempts in `errors` (oldest first) failed: says whether the cluster
 * has no quorum or cannot be reached, which members were tried, and for a write whose last
 * attempt may have been applied, that its outcome is unknown.
 */
export function unavailableError(errors: unknown[], kind: 'read' | 'write', elapsedMs?: number): StoreError {
  const last = errors[errors.length - 1];
  const calls = errors.filter((e): e is EtcdCallError => e instanceof EtcdCallError);
  const members = [...new Set(calls.map((e) => e.endpoint))].join(', ') || 'no member';
  const noQuorum = calls.some((e) =>
    /no leader|request timed out|leader changed|unhealthy cluster|not leader/.test(e.details),
  );
  const noAnswer = calls.some((e) => e.grpcCode === GrpcStatus.DEADLINE_EXCEEDED);
  const reason = noQuorum
    ? 'the etcd cluster has no quorum (no leader elected)'
    : noAnswer
      ? 'the etcd cluster did not answer in time (it may have lost quorum, or be overloaded)'
      : 'the etcd cluster is unreachable';
  const lastText =
    last instanceof EtcdCallError ? last.details : last instanceof Error ? last.message : String(last);
  const after = elapsedMs === undefined ? '' : ` after ${(elapsedMs / 1000).toFixed(1)} s`;
  const unknown =
    kind === 'write' && retryClass(last) === 'maybe-applied'
      ? '; the write may or may not have been applied — read the key to find out'
      : '';
  return new StoreError(
    'unavailable',
    `${reason}${after} (tried ${members}; last error: ${lastText})${unknown}`,
    {},
    {
      cause: last,
    },
  );
}
