/**
 * Fast checks of the MVCC core on the memory backend. The full etcd semantics are proven by the
 * conformance suite (conformance/), with real etcd as the oracle.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory';
import type { Store, WatchMessage } from './types';

const b = (s: string) => Buffer.from(s);
const str = (u: Uint8Array) => Buffer.from(u).toString();
const stores: Store[] = [];
function open(): Store {
  const s = createMemoryStore({ retentionSeconds: 0, log: pino({ level: 'silent' }) });
  stores.push(s);
  return s;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('memory store', () => {
  it('counts revisions, versions and create revisions like etcd', async () => {
    const s = open();
    expect((await s.put({ key: b('a'), value: b('1') })).header.revision).toBe(2);
    expect((await s.put({ key: b('a'), value: b('2'), prevKv: true })).prevKv).toMatchObject({ version: 1 });
    const [kv] = (await s.range({ key: b('a') })).kvs;
    expect(kv).toMatchObject({ createRevision: 2, modRevision: 3, version: 2 });
    expect(str(kv?.value ?? b(''))).toBe('2');
    const del = await s.deleteRange({ key: b('a'), prevKv: true });
    expect(del).toMatchObject({ deleted: 1, header: { revision: 4 } });
    // Deleting nothing does not use a revision.
    expect((await s.deleteRange({ key: b('a') })).header.revision).toBe(4);
    expect((await s.put({ key: b('a'), value: b('3') })).header.revision).toBe(5);
    expect((await s.range({ key: b('a') })).kvs[0]).toMatchObject({ createRevision: 5, version: 1 });
    expect((await s.range({ key: b('a'), revision: 3 })).kvs[0]).toMatchObject({ modRevision: 3 });
  });

  it('runs a compare-and-swap txn at one revision', async () => {
    const s = open();
    await s.put({ key: b('k'), value: b('v1') });
    const cas = (expected: string, next: string) =>
      s.txn({
        compare: [{ key: b('k'), target: 'value', result: 'equal', value: b(expected) }],
        success: [{ put: { key: b('k'), value: b(next) } }, { put: { key: b('log'), value: b(next) } }],
        failure: [{ range: { key: b('k') } }],
      });
    const ok = await cas('v1', 'v2');
    expect(ok).toMatchObject({ succeeded: true, header: { revision: 3 } });
    const lost = await cas('v1', 'v3');
    expect(lost.succeeded).toBe(false);
    expect(lost.header.revision).toBe(3);
    expect((await s.range({ key: b('log') })).kvs[0]?.modRevision).toBe(3);
  });

  it('watches from a past revision, then live, with prev_kv', async () => {
    const s = open();
    await s.put({ key: b('w/1'), value: b('a') });
    await s.put({ key: b('w/1'), value: b('b') });
    const got: WatchMessage[] = [];
    const w = await s.watch({ key: b('w/'), rangeEnd: b('w0'), startRevision: 2, prevKv: true }, (m) =>
      got.push(m),
    );
    await s.deleteRange({ key: b('w/1') });
    w.cancel();
    const events = got.flatMap((m) => (m.type === 'events' ? m.events : []));
    expect(events.map((e) => [e.type, e.kv.modRevision, e.prevKv ? str(e.prevKv.value) : null])).toEqual([
      ['put', 2, null],
      ['put', 3, 'a'],
      ['delete', 4, 'b'],
    ]);
  });

  it('compacts history and refuses compacted revisions', async () => {
    const s = open();
    for (let i = 0; i < 5; i++) await s.put({ key: b('c'), value: b(String(i)) });
    await s.compact(4);
    await expect(s.range({ key: b('c'), revision: 3 })).rejects.toMatchObject({ code: 'compacted' });
    expect((await s.range({ key: b('c'), revision: 4 })).kvs[0]?.modRevision).toBe(4);
    await expect(s.compact(4)).rejects.toMatchObject({ code: 'compacted' });
    await expect(s.compact(99)).rejects.toMatchObject({ code: 'future-revision' });
    const msgs: WatchMessage[] = [];
    await s.watch({ key: b('c'), startRevision: 2 }, (m) => msgs.push(m));
    expect(msgs).toEqual([{ type: 'compacted', header: { revision: 6 }, compactRevision: 4 }]);
  });

  it('revokes a lease by deleting its keys in one revision', async () => {
    const s = open();
    const lease = await s.leaseGrant(60);
    await s.put({ key: b('l/1'), value: b('x'), lease: lease.id });
    await s.put({ key: b('l/2'), value: b('y'), lease: lease.id });
    const ttl = await s.leaseTimeToLive(lease.id, true);
    expect(ttl.keys.map(str)).toEqual(['l/1', 'l/2']);
    const header = await s.leaseRevoke(lease.id);
    expect(header.revision).toBe(4);
    expect((await s.range({ key: b('l/'), rangeEnd: b('l0') })).count).toBe(0);
    expect((await s.leaseTimeToLive(lease.id)).ttl).toBe(-1);
    await expect(s.put({ key: b('z'), value: b('1'), lease: lease.id })).rejects.toMatchObject({
      code: 'lease-not-found',
    });
  });
});
