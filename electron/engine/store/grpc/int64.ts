/**
 * etcd's int64 fields (revisions, lease ids, limits) arrive as decimal strings (proto.ts); the
 * Store works in JS numbers, exact up to 2^53 − 1. Every conversion goes through here so the
 * choice is explicit per field:
 * - `exactInt64` for identities (lease ids): a value the Store cannot represent is reported,
 *   never rounded into a different id;
 * - `clampInt64` for orderings (revisions, limits, compare operands): beyond 2^53 the order
 *   against any revision a store can reach is kept, which is all etcd's semantics need there.
 */
import type { Int64In } from './wire';

const MAX = Number.MAX_SAFE_INTEGER;
const MAX_BIG = BigInt(MAX);

/** The exact number, or null when it lies outside ±(2^53 − 1) or is not an integer. */
export function exactInt64(value: Int64In | number | undefined): number | null {
  if (value === undefined || value === '') return 0;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  // Up to 15 characters every decimal integer is exact as a double.
  if (value.length <= 15) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : null;
  }
  let big: bigint;
  try {
    big = BigInt(value);
  } catch {
    return null;
  }
  return big > MAX_BIG || big < -MAX_BIG ? null : Number(big);
}

/** The value, clamped to ±(2^53 − 1); order-preserving for everything a store can hold. */
export function clampInt64(value: Int64In | number | undefined): number {
  const exact = exactInt64(value);
  if (exact !== null) return exact;
  if (typeof value === 'number') return value > 0 ? MAX : -MAX;
  return typeof value === 'string' && value.trim().startsWith('-') ? -MAX : MAX;
}

/** For uint64 ids (cluster, member): the unsigned decimal text of 8 bytes. */
export function uint64FromBytes(bytes: Uint8Array): string {
  let n = 0n;
  for (let i = 0; i < 8; i++) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n.toString();
}
