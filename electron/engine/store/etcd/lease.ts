/**
 * Leases on etcd: grant, revoke, time-to-live and list through etcd3's LeaseClient; keep-alive
 * through the LeaseKeepAlive stream (keepalive.ts).
 *
 * Ids: leaseGrant without an id picks a random one in [1, 2^53) and asks etcd for exactly that,
 * because ids etcd picks itself are almost always above 2^53 and would not survive as JS numbers
 * (int64.ts). A taken id ("lease already exists") was rejected before anything was granted, so
 * another random id is tried, a few times at most.
 *
 * etcd's rules kept as they are: a TTL under etcd's minimum (1.5 × election timeout, 2 s with
 * default settings) is raised to it; leaseTimeToLive of an unknown lease answers TTL −1;
 * keep-alive of an unknown lease answers TTL 0 (→ 'lease-not-found').
 */
import { randomBytes } from 'node:crypto';
import { LeaseClient } from 'etcd3';
import type { Logger } from '../../log';
import {
  StoreError,
  type LeaseGrantResponse,
  type LeaseTimeToLiveResponse,
  type ResponseHeader,
} from '../types';
import type { Connection } from './connection';
import { header } from './convert';
import { int64, leaseIdFromEtcd, leaseIdToEtcd } from './int64';
import { KeepAliveStream } from './keepalive';
import { withRetry, type RetryPolicy } from './retry';

const RANDOM_ID_ATTEMPTS = 5;
const MAX_ID = 2n ** 53n - 1n;

/** A random lease id in [1, 2^53 − 1]. */
export function randomLeaseId(): number {
  const n = randomBytes(8).readBigUInt64BE() & MAX_ID;
  return n === 0n ? 1 : Number(n);
}

export class EtcdLeases {
  private readonly client: LeaseClient;
  private readonly keepAlives: KeepAliveStream;

  constructor(
    conn: Connection,
    private readonly policy: RetryPolicy,
    private readonly log: Logger,
  ) {
    this.client = new LeaseClient(conn);
    this.keepAlives = new KeepAliveStream(conn);
  }

  async grant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse> {
    if (id) return this.grantExactly(ttlSeconds, id);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.grantExactly(ttlSeconds, randomLeaseId());
      } catch (err) {
        if (!(err instanceof StoreError && err.code === 'lease-exists') || attempt >= RANDOM_ID_ATTEMPTS)
          throw err;
      }
    }
  }

  async revoke(id: number): Promise<ResponseHeader> {
    const res = await withRetry('write', this.policy, (deadline) =>
      this.client.leaseRevoke({ ID: leaseIdToEtcd(id) }, { deadline }),
    );
    return header(res.header);
  }

  async keepAlive(id: number): Promise<{ header: ResponseHeader; id: number; ttl: number }> {
    const res = await withRetry('read', this.policy, (deadline) => this.keepAlives.keepAlive(id, deadline));
    const ttl = int64(res.TTL);
    if (ttl <= 0) throw new StoreError('lease-not-found', 'etcdserver: requested lease not found');
    return { header: header(res.header), id, ttl };
  }

  async timeToLive(id: number, keys = false): Promise<LeaseTimeToLiveResponse> {
    const res = await withRetry('read', this.policy, (deadline) =>
      this.client.leaseTimeToLive({ ID: leaseIdToEtcd(id), keys }, { deadline }),
    );
    return {
      header: header(res.header),
      id,
      ttl: int64(res.TTL),
      grantedTtl: int64(res.grantedTTL),
      keys: res.keys ?? [],
    };
  }

  async leases(): Promise<{ header: ResponseHeader; ids: number[] }> {
    const res = await withRetry('read', this.policy, (deadline) => this.client.leaseLeases({ deadline }));
    return {
      header: header(res.header),
      ids: (res.leases ?? []).map((l) => leaseIdFromEtcd(l.ID, this.log)),
    };
  }

  close(): void {
    this.keepAlives.close();
  }

  private async grantExactly(ttlSeconds: number, id: number): Promise<LeaseGrantResponse> {
    const res = await withRetry('write', this.policy, (deadline) =>
      this.client.leaseGrant({ TTL: ttlSeconds, ID: leaseIdToEtcd(id) }, { deadline }),
    );
    // etcd reports some refusals in the response's `error` field rather than as a gRPC status.
    if (res.error) throw new StoreError('invalid-argument', res.error);
    return { header: header(res.header), id: leaseIdFromEtcd(res.ID, this.log), ttl: int64(res.TTL) };
  }
}
