/**
 * The store conformance suite: one set of tests, written against the Store interface, run
 * against each target (targets.ts). Real etcd is the oracle — the expectations are what etcd 3.4
 * answers, checked by running the suite against it (etcd.test.ts).
 */
import { describe, it } from 'vitest';
import { compactionSuite } from './compaction';
import { compareSuite } from './compare';
import { concurrencySuite } from './concurrency';
import { useConformance } from './context';
import { kvSuite } from './kv';
import { leaseSuite } from './lease';
import { rangeSuite } from './range';
import type { StoreTarget } from './targets';
import { txnSuite } from './txn';
import { watchSuite } from './watch';

/** Registers the suite for `target`, or one skipped test naming what the target is missing. */
export async function describeConformance(target: StoreTarget): Promise<void> {
  const missing = await target.missing();
  describe(`store conformance: ${target.name}`, () => {
    if (missing) {
      it.skip(`needs ${missing}`, () => undefined);
      return;
    }
    const ctx = useConformance(target);
    describe('revisions, put and delete', () => kvSuite(ctx));
    describe('range', () => rangeSuite(ctx));
    describe('txn compares', () => compareSuite(ctx));
    describe('txn', () => txnSuite(ctx));
    describe('watch', () => watchSuite(ctx));
    describe('leases', () => leaseSuite(ctx));
    describe('compaction', () => compactionSuite(ctx));
    describe('concurrency', () => concurrencySuite(ctx));
  });
}
