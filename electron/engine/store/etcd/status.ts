/**
 * StoreStatus for an etcd cluster: Maintenance.Status of the member answering (revision, db
 * sizes, server version) plus the compact revision.
 *
 * etcd reports the compact revision in no status call. It is the oldest revision a range can
 * still read (mvcc: a range below compactMainRev fails with ErrCompacted, at it succeeds), so it
 * is found by a binary search of count-only ranges over [last known, current] — about
 * log2(revisions since the last status) cheap requests. Limitation: a compaction at revision 1
 * is indistinguishable from none and reads as 0.
 */
import { KVClient, MaintenanceClient } from 'etcd3';
import { StoreError, type StoreStatus } from '../types';
import type { Connection } from './connection';
import { header } from './convert';
import { int64 } from './int64';
import { withRetry, type RetryPolicy } from './retry';

export class EtcdStatus {
  private readonly maintenance: MaintenanceClient;
  private readonly kv: KVClient;
  /** Compaction only moves forward: the last answer bounds the next search. */
  private knownCompactRevision = 0;

  constructor(
    conn: Connection,
    private readonly policy: RetryPolicy,
  ) {
    this.maintenance = new MaintenanceClient(conn);
    this.kv = new KVClient(conn);
  }

  async status(): Promise<StoreStatus> {
    const res = await withRetry('read', this.policy, (deadline) => this.maintenance.status({ deadline }));
    const hdr = header(res.header);
    return {
      header: hdr,
      dbSize: int64(res.dbSize),
      dbSizeInUse: int64(res.dbSizeInUse),
      compactRevision: await this.compactRevision(hdr.revision),
      backend: 'etcd',
      version: res.version,
    };
  }

  /** The oldest readable revision (0 when nothing beyond revision 1 was compacted). */
  async compactRevision(current: number): Promise<number> {
    // Invariant: `hi` is readable; everything below `lo` is not (or lo is 1).
    let lo = Math.max(1, this.knownCompactRevision);
    let hi = Math.max(lo, current);
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readable(mid)) hi = mid;
      else lo = mid + 1;
    }
    this.knownCompactRevision = lo;
    return lo <= 1 ? 0 : lo;
  }

  private async readable(revision: number): Promise<boolean> {
    try {
      await withRetry('read', this.policy, (deadline) =>
        this.kv.range({ key: Buffer.from([0]), revision, count_only: true }, { deadline }),
      );
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.code === 'compacted') return false;
      throw err;
    }
  }
}
