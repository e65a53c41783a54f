/**
 * The etcd backend while its (single) real etcd member goes away and comes back: reads are
 * resent until it answers, writes fail with 'unavailable' within their deadline, watches resume
 * without losing or repeating events, keep-alives open a new stream. Also the documented lease
 * id limitation, with a lease granted by the real etcdctl.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietLog } from '../conformance/targets';
import { record } from '../conformance/watcher';
import { startEtcdCluster, type EtcdCluster } from '../testing/etcd-cluster';
import type { Store } from '../types';
import { openEtcdStore } from './index';
import { must } from '../testing/must';

const b = (s: string) => Buffer.from(s);
const str = (u: Uint8Array) => Buffer.from(u).toString();

let cluster: EtcdCluster;
let store: Store;
beforeAll(async () => {
  cluster = await startEtcdCluster();
  store = await openEtcdStore({ endpoints: cluster.endpoints }, quietLog, {
    requestTimeoutMs: 15_000,
    readAttemptTimeoutMs: 2_000,
  });
});
afterAll(async () => {
  await store?.close();
  await cluster?.close();
});

describe('etcd backend across member restarts', () => {
  it('resends a read until the member is back', async () => {
    await store.put({ key: b('/f/read'), value: b('v') });
    await cluster.kill(0);
    const reading = store.range({ key: b('/f/read') });
    await new Promise((r) => setTimeout(r, 500));
    await cluster.start(0);
    expect(str(must((await reading).kvs[0]).value)).toBe('v');
  });

  it('fails a write with unavailable, naming the unreachable member, within its deadline', async () => {
    const fast = await openEtcdStore({ endpoints: cluster.endpoints }, quietLog, { requestTimeoutMs: 1_000 });
    try {
      await cluster.kill(0);
      const started = Date.now();
      await expect(fast.put({ key: b('/f/write'), value: b('v') })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(
          new RegExp(
            // Usually ECONNREFUSED; a call racing the kill may instead see its connection drop.
            `^the etcd cluster is unreachable after [01]\\.\\d s \\(tried ${cluster.endpoint(0)}; last error: `,
          ),
        ),
      });
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await cluster.start(0);
      await fast.close();
    }
    // Nothing was written: the write was refused before reaching etcd.
    expect((await store.range({ key: b('/f/write') })).count).toBe(0);
  });

  it('resumes a watch after a restart without losing or repeating events', async () => {
    const w = await record(store, { key: b('/f/w/'), rangeEnd: b('/f/w0'), prevKv: true });
    for (const v of ['1', '2', '3']) await store.put({ key: b('/f/w/k'), value: b(v) });
    await w.untilEvents(3);
    await cluster.kill(0);
    await cluster.start(0);
    for (const v of ['4', '5', '6']) await store.put({ key: b('/f/w/k'), value: b(v) });
    const events = await w.untilEvents(6, 15_000);
    w.watch.cancel();
    expect(events.map((e) => [str(e.kv.value), e.prevKv ? str(e.prevKv.value) : null])).toEqual([
      ['1', null],
      ['2', '1'],
      ['3', '2'],
      ['4', '3'],
      ['5', '4'],
      ['6', '5'],
    ]);
    const revisions = events.map((e) => e.kv.modRevision);
    expect([...revisions].sort((x, y) => x - y)).toEqual(revisions);
    expect(w.messages.some((m) => m.type === 'canceled' || m.type === 'compacted')).toBe(false);
  });

  it('keeps a lease alive across a restart', async () => {
    const lease = await store.leaseGrant(30);
    expect((await store.leaseKeepAlive(lease.id)).ttl).toBe(30);
    await cluster.kill(0);
    await cluster.start(0);
    expect(await store.leaseKeepAlive(lease.id)).toEqual({
      header: expect.anything(),
      id: lease.id,
      ttl: 30,
    });
    await store.leaseRevoke(lease.id);
  });
});

describe('lease ids', () => {
  it('rounds ids that etcd picked itself, above 2^53 (known limitation)', async () => {
    const etcdctl = (...args: string[]) =>
      promisify(execFile)('etcdctl', ['--endpoints', cluster.endpoint(0), ...args], {
        env: { ...process.env, ETCDCTL_API: '3' },
        timeout: 10_000,
      });
    const { stdout } = await etcdctl('lease', 'grant', '60');
    const hex = /lease ([0-9a-f]+) granted/.exec(stdout)?.[1];
    expect(hex).toBeDefined();
    const exact = BigInt(`0x${hex}`);
    expect(exact > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    await etcdctl('put', '/f/leased', 'v', `--lease=${hex}`);
    const [kv] = (await store.range({ key: b('/f/leased') })).kvs;
    expect(kv?.lease).toBe(Number(exact));
    expect(Number.isSafeInteger(kv?.lease)).toBe(false);
    expect((await store.leaseLeases()).ids).toContain(Number(exact));
    await etcdctl('lease', 'revoke', must(hex));
  });

  it('picks ids below 2^53 for its own leases', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => store.leaseGrant(60)));
    for (const { id } of ids) expect(Number.isSafeInteger(id)).toBe(true);
    const listed = (await store.leaseLeases()).ids;
    expect(listed).toEqual(expect.arrayContaining(ids.map((l) => l.id)));
    for (const { id } of ids) await store.leaseRevoke(id);
  });
});
