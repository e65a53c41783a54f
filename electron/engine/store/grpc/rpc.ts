/**
 * What every service module shares: its dependencies, the unary-handler wrapper that turns
 * thrown errors into etcd's statuses, the UNIMPLEMENTED answer, and the registry of open
 * streams that the server ends on close.
 */
import {
  status as Status,
  type ServerDuplexStream,
  type UntypedHandleCall,
  type handleUnaryCall,
} from '@grpc/grpc-js';
import type { Logger } from '../../log';
import type { Store } from '../types';
import { type EtcdIdentity, responseHeader } from './identity';
import { EtcdRpcError, isExpected, toRpcError, toServiceError } from './errors';
import type { HeaderOut } from './wire';

export interface ServiceDeps {
  store: Store;
  identity: EtcdIdentity;
  log: Logger;
  /** This endpoint's client URL (MemberList). */
  clientUrl: string;
  /** Size in bytes of a request message as received; 0 when unknown. */
  requestBytes(request: object): number;
  streams: OpenStreams;
}

/** Long-lived calls (watch, keep-alive) to end when the server closes. */
export class OpenStreams {
  private readonly enders = new Set<(err: EtcdRpcError) => void>();

  /** Register; returns the function that unregisters. `end` must be idempotent. */
  add(end: (err: EtcdRpcError) => void): () => void {
    this.enders.add(end);
    return () => this.enders.delete(end);
  }

  endAll(err: EtcdRpcError): void {
    for (const end of [...this.enders]) end(err);
    this.enders.clear();
  }

  get size(): number {
    return this.enders.size;
  }
}

/** A full ResponseHeader at the store's current revision (for answers that carry none). */
export async function currentHeader(deps: ServiceDeps): Promise<HeaderOut> {
  return responseHeader(deps.identity, await currentRevision(deps.store));
}

/**
 * The store's current revision: a single-key range of "\x00", the smallest possible key —
 * cheap on every backend. The Store interface has no dedicated call for it.
 */
export async function currentRevision(store: Store): Promise<number> {
  return (await store.range({ key: new Uint8Array([0]), keysOnly: true })).header.revision;
}

/** A unary handler from an async function; errors become etcd's statuses. */
export function unary<Req, Res>(
  deps: ServiceDeps,
  method: string,
  fn: (request: Req) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (response) => callback(null, response),
      (err: unknown) => {
        logFailure(deps.log, method, err);
        callback(toServiceError(err));
      },
    );
  };
}

export function logFailure(log: Logger, method: string, err: unknown): void {
  const rpcErr = toRpcError(err);
  if (isExpected(rpcErr)) log.debug({ method, code: rpcErr.code, err: rpcErr.message }, 'etcd rpc refused');
  else log.warn({ method, err }, 'etcd rpc failed');
}

/** Ends a stream with a status (grpc-js sends a stream's 'error' as the call's status). */
export function endWithError(call: ServerDuplexStream<unknown, unknown>, err: unknown): void {
  if (call.cancelled || call.destroyed) return;
  call.emit('error', toServiceError(err));
}

/**
 * The answer for an RPC this server does not serve, for any call shape: UNIMPLEMENTED with a
 * message naming the method (grpc-js's own default names no reason).
 */
export function unimplemented(service: string, method: string, streaming: boolean): UntypedHandleCall {
  return failing(
    new EtcdRpcError(
      Status.UNIMPLEMENTED,
      `etcdserverpb.${service}/${method} is not implemented by Pilothouse's etcd endpoint`,
    ),
    streaming,
  );
}

/** A handler of either call shape that answers `err`. */
export function failing(err: EtcdRpcError, streaming: boolean): UntypedHandleCall {
  if (!streaming) {
    const handler: handleUnaryCall<unknown, unknown> = (_call, callback) => callback(toServiceError(err));
    return handler;
  }
  return (call: ServerDuplexStream<unknown, unknown>) => endWithError(call, err);
}
