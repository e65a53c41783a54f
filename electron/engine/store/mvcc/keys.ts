/**
 * Keys inside the MVCC core are latin1 strings: one UTF-16 code unit per byte, so JavaScript's
 * string order is etcd's byte order and keys work as Map/BTree keys without a comparator.
 */
import type { Bytes } from '../types';

export type Key = string;

export function toKey(bytes: Bytes): Key {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function fromKey(key: Key): Buffer {
  return Buffer.from(key, 'latin1');
}

/**
 * A key range in etcd's convention: no rangeEnd → exactly `key`; rangeEnd "\0" → every key
 * ≥ key; otherwise [key, rangeEnd). `end` null means unbounded. `single` for exact lookups.
 */
export interface KeyRange {
  start: Key;
  end: Key | null;
  single: boolean;
}

export function keyRange(key: Bytes, rangeEnd?: Bytes): KeyRange {
  const start = toKey(key);
  if (!rangeEnd || rangeEnd.length === 0) return { start, end: start, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start, end: null, single: false };
  return { start, end: toKey(rangeEnd), single: false };
}

export function inRange(r: KeyRange, k: Key): boolean {
  if (r.single) return k === r.start;
  return k >= r.start && (r.end === null || k < r.end);
}

/** Whether two ranges share a key (for etcd's duplicate-key check in txns). */
export function overlaps(a: KeyRange, b: KeyRange): boolean {
  if (a.single) return inRange(b, a.start);
  if (b.single) return inRange(a, b.start);
  const aEndsBeforeB = a.end !== null && a.end <= b.start;
  const bEndsBeforeA = b.end !== null && b.end <= a.start;
  return !aEndsBeforeB && !bEndsBeforeA;
}

/** Byte-wise compare of two byte strings (for value compares). */
export function compareBytes(a: Bytes, b: Bytes): number {
  return Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
