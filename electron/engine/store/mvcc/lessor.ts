/**
 * Leases in memory: TTL, expiry time, attached keys. Persistence (grant/revoke records) and the
 * key deletions of a revoke are the store's job; this keeps the bookkeeping. Like etcd after a
 * leader change, leases loaded at open get their full TTL again.
 */
import { LIMITS } from '../types';
import type { Key } from './keys';

export interface Lease {
  id: number;
  /** Seconds, after rounding up to the minimum. */
  ttl: number;
  grantedTtl: number;
  /** ms since epoch. */
  expiresAt: number;
  keys: Set<Key>;
}

export class Lessor {
  readonly leases = new Map<number, Lease>();

  constructor(private readonly now: () => number = Date.now) {}

  /** TTL etcd would grant for a request (minimum applied). */
  static effectiveTtl(requested: number): number {
    return Math.max(requested, LIMITS.minLeaseTtl);
  }

  /** A fresh id: positive, below 2^53 so it is exact as a JS number and in JSON. */
  newId(): number {
    for (;;) {
      const id = Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1)) + 1;
      if (!this.leases.has(id)) return id;
    }
  }

  add(id: number, ttl: number): Lease {
    const lease: Lease = {
      id,
      ttl: Lessor.effectiveTtl(ttl),
      grantedTtl: ttl,
      expiresAt: this.now() + Lessor.effectiveTtl(ttl) * 1000,
      keys: new Set(),
    };
    this.leases.set(id, lease);
    return lease;
  }

  get(id: number): Lease | undefined {
    return this.leases.get(id);
  }

  remove(id: number): void {
    this.leases.delete(id);
  }

  renew(lease: Lease): void {
    lease.expiresAt = this.now() + lease.ttl * 1000;
  }

  /** Whole seconds left, truncated like etcd's int64(Remaining().Seconds()). */
  remaining(lease: Lease): number {
    return Math.max(0, Math.floor((lease.expiresAt - this.now()) / 1000));
  }

  attach(id: number, key: Key): void {
    this.leases.get(id)?.keys.add(key);
  }

  detach(id: number, key: Key): void {
    this.leases.get(id)?.keys.delete(key);
  }

  expired(): Lease[] {
    const t = this.now();
    return [...this.leases.values()].filter((l) => l.expiresAt <= t);
  }
}
