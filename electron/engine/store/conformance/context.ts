/**
 * Per-test context for the conformance suite: a store from the target, a key prefix of the
 * test's own, and the revision at the test's start, so expectations are written in revisions
 * relative to it (`rel`) — real etcd's revision is global to the cluster, shared by every test.
 * Leases a test grants through `grant()` are revoked after it, so none expires into a later
 * test and moves the revision under it.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { StoreError, type Bytes, type KeyValue, type LeaseGrantResponse, type Store } from '../types';
import type { StoreTarget, TargetSession } from './targets';

export interface Ctx {
  store: Store;
  session: TargetSession;
  /** This test's key prefix, and the end of its range. */
  prefix: Buffer;
  prefixEnd: Buffer;
  /** A key under the prefix. */
  k(name: string): Buffer;
  /** The store's revision when the test started. */
  base: number;
  /** A revision relative to the test's start (0 = the start). */
  rel(revision: number): number;
  /** The absolute revision of a relative one. */
  abs(relative: number): number;
  /** Grant a lease revoked after the test. */
  grant(ttlSeconds: number, id?: number): Promise<LeaseGrantResponse>;
  /** Another client of the same store (memory: the same object). */
  client(): Promise<Store>;
}

let run = 0;
const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** Registers the hooks; the returned function gives the current test's context. */
export function useConformance(target: StoreTarget): () => Ctx {
  let session: TargetSession | null = null;
  let current: Ctx | null = null;
  const leases: number[] = [];

  beforeAll(async () => {
    session = await target.start();
  });
  afterAll(async () => {
    await session?.close();
  });
  beforeEach(async () => {
    if (!session) throw new Error(`${target.name} did not start`);
    const s = session;
    const store = await s.newStore();
    const prefix = Buffer.from(`/conformance/${runId}/${++run}/`);
    const base = (await store.range({ key: prefix, countOnly: true })).header.revision;
    current = {
      store,
      session: s,
      prefix,
      prefixEnd: prefixEnd(prefix),
      k: (name) => Buffer.concat([prefix, Buffer.from(name)]),
      base,
      rel: (r) => r - base,
      abs: (r) => r + base,
      grant: async (ttl, id) => {
        const res = await store.leaseGrant(ttl, id);
        leases.push(res.id);
        return res;
      },
      client: () => s.newClient(store),
    };
  });
  afterEach(async () => {
    const ctx = current;
    current = null;
    if (!ctx) return;
    for (const id of leases.splice(0)) {
      await ctx.store.leaseRevoke(id).catch((err: unknown) => {
        if (!(err instanceof StoreError && err.code === 'lease-not-found')) throw err;
      });
    }
    if (session?.shared) await ctx.store.deleteRange({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
  });
  return () => {
    if (!current) throw new Error('no conformance context outside a test');
    return current;
  };
}

/** etcd's prefix range end: the prefix with its last byte below 0xff incremented. */
export function prefixEnd(prefix: Bytes): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export const b = (s: string): Buffer => Buffer.from(s);
export const str = (u: Uint8Array): string => Buffer.from(u).toString();

/** A key-value with revisions made relative and bytes made strings, for readable expectations. */
export function relKv(
  ctx: Ctx,
  kv: KeyValue,
): { key: string; value: string; create: number; mod: number; version: number; lease: number } {
  return {
    key: str(kv.key).slice(ctx.prefix.length),
    value: str(kv.value),
    create: kv.createRevision === 0 ? 0 : ctx.rel(kv.createRevision),
    mod: ctx.rel(kv.modRevision),
    version: kv.version,
    lease: kv.lease,
  };
}

/** Keys (without the prefix) of key-values. */
export function names(ctx: Ctx, kvs: KeyValue[]): string[] {
  return kvs.map((kv) => str(kv.key).slice(ctx.prefix.length));
}
