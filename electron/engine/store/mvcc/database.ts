/**
 * What the MVCC core needs from a database: an append-only log of revisions, lease records and
 * two numbers. The memory and LMDB backends implement it; everything with etcd's meaning
 * (index, txns, watches, leases, compaction) lives above it, once, in the MVCC core.
 */
import type { Bytes } from '../types';
import type { Key } from './keys';

/** One write: a put (value set) or a delete (tombstone), at (rev, sub). */
export interface LogRecord {
  rev: number;
  /** Position of this write inside its revision (a txn writes several keys at one revision). */
  sub: number;
  key: Key;
  tombstone: boolean;
  value: Bytes;
  createRevision: number;
  version: number;
  lease: number;
}

export interface LeaseRecord {
  id: number;
  ttl: number;
}

export interface LoadedState {
  currentRevision: number;
  compactRevision: number;
  leases: LeaseRecord[];
}

/** A batch written atomically. */
export interface Batch {
  records: LogRecord[];
  /** (rev, sub) pairs to remove: compaction. */
  removeRecords: [number, number][];
  putLeases: LeaseRecord[];
  removeLeases: number[];
  currentRevision: number;
  compactRevision?: number;
}

export interface Database {
  readonly kind: 'memory' | 'embedded';
  /** Read the persisted numbers and leases (at open). */
  loadState(): LoadedState;
  /** Every record in (rev, sub) order, for rebuilding the index at open. */
  scanAll(): Iterable<LogRecord>;
  /** Records with rev ≥ fromRev in (rev, sub) order (watch catch-up). */
  scanFrom(fromRev: number): Iterable<LogRecord>;
  /** One record's value, or undefined when it is gone (compacted). Synchronous. */
  getValue(rev: number, sub: number): Bytes | undefined;
  /**
   * Write a batch atomically; resolves once it is durable. Batches are applied in call order;
   * a rejection means the database can no longer be trusted (the store then fails closed).
   */
  commit(batch: Batch): Promise<void>;
  sizes(): { dbSize: number; dbSizeInUse: number };
  close(): Promise<void>;
}
