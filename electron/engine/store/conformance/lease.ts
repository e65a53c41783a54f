/**
 * Conformance: leases — grant (etcd's minimum and maximum TTL, explicit ids), time-to-live with
 * keys, keep-alive, revoke deleting the lease's keys in one revision, expiry, and the lease list.
 * etcd 3.4 semantics (lease/lessor.go, etcdserver/v3_server.go, api/v3rpc/lease.go). Expiry is
 * waited for through a watch, with a deadline: etcd checks for expired leases every 500 ms.
 */
import { randomInt } from 'node:crypto';
import { expect, it } from 'vitest';
import { LIMITS } from '../types';
import { b, str, type Ctx } from './context';
import { record } from './watcher';

/** An explicit lease id no other test of this run picks. */
const explicitId = () => randomInt(1, 2 ** 47) * 31 + 7;

export function leaseSuite(c: () => Ctx): void {
  it('grants a lease with its TTL and reports time to live and attached keys', async () => {
    const ctx = c();
    const lease = await ctx.grant(30);
    expect(lease.ttl).toBe(30);
    expect(lease.id).toBeGreaterThan(0);
    expect(Number.isSafeInteger(lease.id)).toBe(true);
    await ctx.store.put({ key: ctx.k('a'), value: b('1'), lease: lease.id });
    await ctx.store.put({ key: ctx.k('b'), value: b('2'), lease: lease.id });
    const ttl = await ctx.store.leaseTimeToLive(lease.id, true);
    expect(ttl.id).toBe(lease.id);
    expect(ttl.grantedTtl).toBe(30);
    expect(ttl.ttl).toBeGreaterThanOrEqual(28);
    expect(ttl.ttl).toBeLessThanOrEqual(30);
    expect(ttl.keys.map((k) => str(k).slice(ctx.prefix.length)).sort()).toEqual(['a', 'b']);
    expect((await ctx.store.leaseTimeToLive(lease.id)).keys).toEqual([]);
    // Granting uses no revision.
    expect(ctx.rel(lease.header.revision)).toBe(0);
  });

  it(`raises a TTL below etcd's minimum to ${LIMITS.minLeaseTtl} s`, async () => {
    const ctx = c();
    for (const ttl of [1, 0]) expect((await ctx.grant(ttl)).ttl).toBe(LIMITS.minLeaseTtl);
  });

  it('grants an explicit id, refuses it twice, and refuses a TTL over the maximum', async () => {
    const ctx = c();
    const id = explicitId();
    expect((await ctx.grant(30, id)).id).toBe(id);
    await expect(ctx.store.leaseGrant(30, id)).rejects.toMatchObject({
      code: 'lease-exists',
      message: 'etcdserver: lease already exists',
    });
    await expect(ctx.store.leaseGrant(LIMITS.maxLeaseTtl + 1)).rejects.toMatchObject({
      code: 'lease-ttl-too-large',
      message: 'etcdserver: too large lease TTL',
    });
  });

  it('answers time-to-live of an unknown lease with TTL -1, and keep-alive/revoke with lease-not-found', async () => {
    const ctx = c();
    const id = explicitId();
    const ttl = await ctx.store.leaseTimeToLive(id);
    expect({ id: ttl.id, ttl: ttl.ttl, keys: ttl.keys }).toEqual({ id, ttl: -1, keys: [] });
    await expect(ctx.store.leaseKeepAlive(id)).rejects.toMatchObject({ code: 'lease-not-found' });
    await expect(ctx.store.leaseRevoke(id)).rejects.toMatchObject({
      code: 'lease-not-found',
      message: 'etcdserver: requested lease not found',
    });
  });

  it('revokes a lease by deleting all its keys in one revision, which a watch sees', async () => {
    const ctx = c();
    const lease = await ctx.grant(60);
    for (const key of ['a', 'b', 'c'])
      await ctx.store.put({ key: ctx.k(key), value: b(key), lease: lease.id });
    await ctx.store.put({ key: ctx.k('free'), value: b('stays') });
    const w = await record(ctx.store, { key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    const revoked = await ctx.store.leaseRevoke(lease.id);
    expect(ctx.rel(revoked.revision)).toBe(5);
    const events = await w.untilEvents(3);
    w.watch.cancel();
    expect(
      events.map((e) => [e.type, str(e.kv.key).slice(ctx.prefix.length), ctx.rel(e.kv.modRevision)]),
    ).toEqual([
      ['delete', 'a', 5],
      ['delete', 'b', 5],
      ['delete', 'c', 5],
    ]);
    const left = await ctx.store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    expect(left.kvs.map((kv) => str(kv.value))).toEqual(['stays']);
    expect((await ctx.store.leaseTimeToLive(lease.id)).ttl).toBe(-1);
    await expect(ctx.store.leaseRevoke(lease.id)).rejects.toMatchObject({ code: 'lease-not-found' });
    await expect(ctx.store.leaseKeepAlive(lease.id)).rejects.toMatchObject({ code: 'lease-not-found' });
  });

  it('keeps a lease alive past its TTL with keep-alives', async () => {
    const ctx = c();
    const lease = await ctx.grant(2);
    await ctx.store.put({ key: ctx.k('a'), value: b('1'), lease: lease.id });
    const started = Date.now();
    while (Date.now() - started < 3_000) {
      const res = await ctx.store.leaseKeepAlive(lease.id);
      expect({ id: res.id, ttl: res.ttl }).toEqual({ id: lease.id, ttl: 2 });
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await ctx.store.range({ key: ctx.k('a') })).count).toBe(1);
    const ttl = await ctx.store.leaseTimeToLive(lease.id);
    expect(ttl.ttl).toBeGreaterThan(0);
  });

  it('deletes the keys of an expired lease, in one revision', async () => {
    const ctx = c();
    const lease = await ctx.grant(2);
    await ctx.store.put({ key: ctx.k('a'), value: b('1'), lease: lease.id });
    await ctx.store.put({ key: ctx.k('b'), value: b('2'), lease: lease.id });
    const w = await record(ctx.store, { key: ctx.prefix, rangeEnd: ctx.prefixEnd });
    const granted = Date.now();
    // Not before the TTL…
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await ctx.store.range({ key: ctx.prefix, rangeEnd: ctx.prefixEnd })).count).toBe(2);
    // …but soon after it (etcd revokes expired leases within ~0.5 s; generous for a busy machine).
    const events = await w.untilEvents(2, 8_000);
    const elapsed = Date.now() - granted;
    w.watch.cancel();
    expect(elapsed).toBeGreaterThanOrEqual(1_500);
    expect(
      events.map((e) => [e.type, str(e.kv.key).slice(ctx.prefix.length), ctx.rel(e.kv.modRevision)]),
    ).toEqual([
      ['delete', 'a', 3],
      ['delete', 'b', 3],
    ]);
    expect((await ctx.store.leaseTimeToLive(lease.id)).ttl).toBe(-1);
  });

  it('lists live leases and forgets revoked ones', async () => {
    const ctx = c();
    const one = await ctx.grant(60);
    const two = await ctx.grant(60);
    const listed = (await ctx.store.leaseLeases()).ids;
    expect(listed).toEqual(expect.arrayContaining([one.id, two.id]));
    await ctx.store.leaseRevoke(one.id);
    const after = (await ctx.store.leaseLeases()).ids;
    expect(after).toContain(two.id);
    expect(after).not.toContain(one.id);
  });
}
