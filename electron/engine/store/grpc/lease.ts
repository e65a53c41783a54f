/**
 * etcdserverpb.Lease over the Store, following etcd's LeaseServer (v3rpc/lease.go):
 * - LeaseGrant: ID 0 lets the store pick one (always below 2^53 here); an explicit ID must be
 *   below 2^53 too (a deviation: etcd takes any int64, and the Store works in JS numbers);
 * - LeaseKeepAlive: a stream answered in request order; an unknown lease answers TTL 0 rather
 *   than an error, which clients read as "expired or revoked";
 * - LeaseTimeToLive: an unknown lease answers TTL -1, not an error;
 * - ids in answers echo the request's exact decimal text.
 */
import { status as Status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError } from '../types';
import { leaseIdIn } from './codec';
import { EtcdRpcError } from './errors';
import { responseHeader } from './identity';
import { clampInt64, exactInt64 } from './int64';
import { type ServiceDeps, currentHeader, endWithError, logFailure, unary } from './rpc';
import type { Int64In, LeaseGrantRequestIn, LeaseIdIn, LeaseTimeToLiveRequestIn } from './wire';

const isLeaseNotFound = (err: unknown) => err instanceof StoreError && err.code === 'lease-not-found';

export function leaseService(deps: ServiceDeps): UntypedServiceImplementation {
  const { store, identity } = deps;
  const header = (revision: number) => responseHeader(identity, revision);

  return {
    LeaseGrant: unary(deps, 'LeaseGrant', async (req: LeaseGrantRequestIn) => {
      const id = exactInt64(req.ID);
      if (id === null) {
        throw new EtcdRpcError(
          Status.INVALID_ARGUMENT,
          `pilothouse: lease ID ${req.ID} is out of range (this server takes IDs below 2^53; pass 0 to have one picked)`,
        );
      }
      const res = await store.leaseGrant(clampInt64(req.TTL), id === 0 ? undefined : id);
      return { header: header(res.header.revision), ID: res.id, TTL: res.ttl, error: '' };
    }),

    LeaseRevoke: unary(deps, 'LeaseRevoke', async (req: LeaseIdIn) => {
      const res = await store.leaseRevoke(leaseIdIn(req.ID));
      return { header: header(res.revision) };
    }),

    LeaseTimeToLive: unary(deps, 'LeaseTimeToLive', async (req: LeaseTimeToLiveRequestIn) => {
      const id = exactInt64(req.ID);
      try {
        if (id === null) throw new StoreError('lease-not-found', 'etcdserver: requested lease not found');
        const res = await store.leaseTimeToLive(id, req.keys);
        return {
          header: header(res.header.revision),
          ID: req.ID,
          TTL: res.ttl,
          grantedTTL: res.grantedTtl,
          keys: res.keys,
        };
      } catch (err) {
        if (!isLeaseNotFound(err)) throw err;
        return { header: await currentHeader(deps), ID: req.ID, TTL: -1, grantedTTL: 0, keys: [] };
      }
    }),

    LeaseLeases: unary(deps, 'LeaseLeases', async () => {
      const res = await store.leaseLeases();
      return { header: header(res.header.revision), leases: res.ids.map((ID) => ({ ID })) };
    }),

    LeaseKeepAlive: (call: ServerDuplexStream<LeaseIdIn, object>) => keepAliveStream(deps, call),
  };
}

function keepAliveStream(deps: ServiceDeps, call: ServerDuplexStream<LeaseIdIn, object>): void {
  let closed = false;
  let queue: Promise<void> = Promise.resolve();
  const close = () => {
    closed = true;
    unregister();
  };
  const end = (err: unknown) => {
    if (closed) return;
    close();
    endWithError(call, err);
  };
  const unregister = deps.streams.add(end);

  const renew = async (rawId: Int64In) => {
    const id = exactInt64(rawId);
    try {
      if (id === null) throw new StoreError('lease-not-found', 'etcdserver: requested lease not found');
      const res = await deps.store.leaseKeepAlive(id);
      return { header: responseHeader(deps.identity, res.header.revision), ID: rawId, TTL: res.ttl };
    } catch (err) {
      if (!isLeaseNotFound(err)) throw err;
      return { header: await currentHeader(deps), ID: rawId, TTL: 0 };
    }
  };

  call.on('data', (req: LeaseIdIn) => {
    queue = queue
      .then(async () => {
        if (closed) return;
        const response = await renew(req.ID);
        if (!closed) call.write(response);
      })
      .catch((err: unknown) => {
        logFailure(deps.log, 'LeaseKeepAlive', err);
        end(err);
      });
  });
  // etcd ends the stream when the client half-closes (its recv loop returns on EOF).
  call.on('end', () => {
    void queue.then(() => {
      if (closed) return;
      close();
      call.end();
    });
  });
  call.on('cancelled', close);
  call.on('close', close);
}
