/**
 * gRPC statuses exactly as etcd's server sends them: the code and message of etcd's
 * api/v3rpc/rpctypes/error.go, so that etcdctl and client libraries (which match on the message
 * text, e.g. clientv3's rpctypes.Error) recognise them. StoreErrors map onto these; anything
 * else becomes UNKNOWN with its message, as an unexpected error does in etcd.
 */
import { status as Status, type ServerErrorResponse } from '@grpc/grpc-js';
import { StoreError, type StoreErrorCode } from '../types';

/** A gRPC status with etcd's code and message, thrown by handlers and validation. */
export class EtcdRpcError extends Error {
  override name = 'EtcdRpcError';
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
  }
}

const rpc = (code: Status, message: string) => () => new EtcdRpcError(code, message);

/** The subset of rpctypes this server can return. */
export const RPC_ERRORS = {
  emptyKey: rpc(Status.INVALID_ARGUMENT, 'etcdserver: key is not provided'),
  keyNotFound: rpc(Status.INVALID_ARGUMENT, 'etcdserver: key not found'),
  valueProvided: rpc(Status.INVALID_ARGUMENT, 'etcdserver: value is provided'),
  leaseProvided: rpc(Status.INVALID_ARGUMENT, 'etcdserver: lease is provided'),
  tooManyOps: rpc(Status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'),
  duplicateKey: rpc(Status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'),
  compacted: rpc(Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'),
  futureRev: rpc(Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'),
  leaseNotFound: rpc(Status.NOT_FOUND, 'etcdserver: requested lease not found'),
  leaseExist: rpc(Status.FAILED_PRECONDITION, 'etcdserver: lease already exists'),
  leaseTtlTooLarge: rpc(Status.OUT_OF_RANGE, 'etcdserver: too large lease TTL'),
  requestTooLarge: rpc(Status.INVALID_ARGUMENT, 'etcdserver: request is too large'),
  stopped: rpc(Status.UNAVAILABLE, 'etcdserver: server stopped'),
  corrupt: rpc(Status.DATA_LOSS, 'etcdserver: corrupt cluster'),
} as const;

const FROM_STORE: Record<StoreErrorCode, ((err: StoreError) => EtcdRpcError) | (() => EtcdRpcError)> = {
  compacted: RPC_ERRORS.compacted,
  'future-revision': RPC_ERRORS.futureRev,
  'lease-not-found': RPC_ERRORS.leaseNotFound,
  'lease-exists': RPC_ERRORS.leaseExist,
  'lease-ttl-too-large': RPC_ERRORS.leaseTtlTooLarge,
  'key-not-found': RPC_ERRORS.keyNotFound,
  'empty-key': RPC_ERRORS.emptyKey,
  'request-too-large': RPC_ERRORS.requestTooLarge,
  'too-many-ops': RPC_ERRORS.tooManyOps,
  'duplicate-key': RPC_ERRORS.duplicateKey,
  'invalid-argument': (err: StoreError) => new EtcdRpcError(Status.INVALID_ARGUMENT, err.message),
  // etcd answers UNAVAILABLE when it cannot serve (no leader, timeouts); clients retry those.
  unavailable: (err: StoreError) => new EtcdRpcError(Status.UNAVAILABLE, err.message),
  closed: RPC_ERRORS.stopped,
  corrupt: RPC_ERRORS.corrupt,
};

/** The etcd status for anything a handler threw. */
export function toRpcError(err: unknown): EtcdRpcError {
  if (err instanceof EtcdRpcError) return err;
  if (err instanceof StoreError) {
    const map = FROM_STORE[err.code] as ((err: StoreError) => EtcdRpcError) | undefined;
    if (map) return map(err);
  }
  return new EtcdRpcError(Status.UNKNOWN, err instanceof Error ? err.message : String(err));
}

/** What grpc-js wants in a unary callback or a stream's 'error'. */
export function toServiceError(err: unknown): ServerErrorResponse {
  const rpcErr = toRpcError(err);
  return Object.assign(new Error(rpcErr.message), { code: rpcErr.code, details: rpcErr.message });
}

/** Whether the error is one a client caused (logged at debug) rather than a server fault. */
export function isExpected(err: EtcdRpcError): boolean {
  return err.code !== Status.UNKNOWN && err.code !== Status.INTERNAL && err.code !== Status.DATA_LOSS;
}
