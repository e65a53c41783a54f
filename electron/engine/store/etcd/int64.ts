/**
 * etcd's int64 fields arrive as decimal strings (services.ts decodes with `longs: String`); the
 * Store uses JS numbers.
 *
 * - Revisions, versions, counts and TTLs: exact — a cluster would need 2^53 writes to leave the
 *   safe range.
 * - Lease ids: etcd picks them itself as `reqIDGen.Next() & (2^63 − 1)`, whose top bits are the
 *   member id, so ids etcd makes are almost always above 2^53. Hence leaseGrant without an id
 *   picks a random id below 2^53 and asks etcd for exactly that one (lease.ts).
 *
 * Known limitation: leases granted by other clients of the same cluster (kube-apiserver, etcdctl)
 * usually have ids above 2^53. Where they appear — KeyValue.lease, leaseLeases — the id is
 * rounded to the nearest double and a warning is logged once; it may not name the lease exactly,
 * so revoking or keeping such a lease alive through this Store can fail with 'lease-not-found'.
 * The Store's number-typed lease ids cannot do better; a bigint or string id would.
 */
import type { Logger } from '../../log';

/** An int64 that the Store keeps exact (revisions, versions, counts, TTLs). */
export function int64(value: string | number | undefined): number {
  if (value === undefined || value === '') return 0;
  return typeof value === 'number' ? value : Number(value);
}

/** The Store's lease id for etcd's (see the known limitation above). */
export function leaseIdFromEtcd(value: string | undefined, log?: Logger): number {
  const n = int64(value);
  if (!Number.isSafeInteger(n) && value !== undefined) warnUnsafeLease(value, log);
  return n;
}

/** etcd's int64 text for a lease id (any integer-valued number, exact or not). */
export function leaseIdToEtcd(id: number): string {
  if (!Number.isInteger(id)) throw new RangeError(`lease id ${id} is not an integer`);
  return BigInt(id).toString();
}

let warned = false;

function warnUnsafeLease(value: string, log?: Logger): void {
  if (warned || !log) return;
  warned = true;
  log.warn(
    { lease: value },
    'an etcd lease id above 2^53 was rounded: leases granted by other etcd clients cannot be named exactly by this store',
  );
}
