/**
 * The `etcd3` npm client (grpc-js) against the etcd endpoint over the memory store with mutual
 * TLS, and against real etcd as the oracle: its high-level API, plus raw RPCs for what the
 * high-level API cannot express (nested txns, the watch stream's control messages).
 */
import fs from 'node:fs/promises';
import { Etcd3, type IWatchResponse, type Watcher } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Target, startEtcdTarget, startPilothouseTarget } from './harness';

const TARGETS: [string, () => Promise<Target>][] = [
  ['pilothouse', startPilothouseTarget],
  ['real etcd', startEtcdTarget],
];

async function clientFor(t: Target): Promise<Etcd3> {
  return new Etcd3({
    hosts: t.endpoint,
    credentials: {
      rootCertificate: await fs.readFile(t.caFile),
      certChain: await fs.readFile(t.certFile),
      privateKey: await fs.readFile(t.keyFile),
    },
  });
}

/** Resolves with the first value `emitter` produces for `event`, or rejects after `ms`. */
function once<T>(on: (listener: (value: T) => void) => void, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
    on((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.each(TARGETS)('the etcd3 client against %s', (_name, start) => {
  let t: Target;
  let client: Etcd3;
  beforeAll(async () => {
    t = await start();
    client = await clientFor(t);
  });
  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('puts, gets, lists a prefix, deletes', async () => {
    await client.put('/c/a').value('1');
    await client.put('/c/b').value('2');
    expect(await client.get('/c/a').string()).toBe('1');
    expect(await client.getAll().prefix('/c/').strings()).toEqual({ '/c/a': '1', '/c/b': '2' });
    expect(await client.getAll().prefix('/c/').count()).toBe(2);
    const deleted = await client.delete().prefix('/c/').exec();
    expect(deleted.deleted).toBe('2');
    expect(await client.get('/c/a').string()).toBeNull();
  });

  it('runs compare-and-swap transactions', async () => {
    await client.put('/cas').value('old');
    const swap = (from: string, to: string) =>
      client.if('/cas', 'Value', '==', from).then(client.put('/cas').value(to)).commit();
    expect((await swap('old', 'new')).succeeded).toBe(true);
    expect((await swap('old', 'newer')).succeeded).toBe(false);
    expect(await client.get('/cas').string()).toBe('new');
  });

  it('runs nested transactions, answering nested headers with the revision only', async () => {
    const key = (s: string) => Buffer.from(s);
    const res = await client.kv.txn({
      compare: [],
      success: [
        {
          request_txn: {
            compare: [{ key: key('/nested/x'), target: 'Version', result: 'Equal', version: 0 }],
            success: [{ request_put: { key: key('/nested/x'), value: key('inner') } }],
            failure: [],
          },
        },
        { request_range: { key: key('/nested/x') } },
      ],
      failure: [],
    });
    expect(res.succeeded).toBe(true);
    const inner = res.responses[0]?.response_txn;
    expect(inner?.succeeded).toBe(true);
    expect(inner?.responses[0]?.response_put?.header).toMatchObject({
      revision: res.header.revision,
      cluster_id: '0',
      member_id: '0',
    });
    expect(res.responses[1]?.response_range?.kvs[0]?.value.toString()).toBe('inner');
    expect(res.header.cluster_id).not.toBe('0');
  });

  it('watches a prefix with previous values', async () => {
    const watcher: Watcher = await client.watch().prefix('/e/').withPreviousKV().create();
    try {
      const put = once<IWatchResponse>((l) => watcher.once('data', l));
      await client.put('/e/1').value('a');
      const first = await put;
      expect(first.events.map((e) => [e.type, e.kv.key.toString(), e.kv.value.toString()])).toEqual([
        ['Put', '/e/1', 'a'],
      ]);
      const del = once<IWatchResponse>((l) => watcher.once('data', l));
      await client.delete().key('/e/1');
      const second = await del;
      expect(second.events[0]?.type).toBe('Delete');
      expect(second.events[0]?.prev_kv?.value.toString()).toBe('a');
      expect(second.header.revision).toBe(second.events[0]?.kv.mod_revision);
    } finally {
      await watcher.cancel();
    }
  });

  it('grants, keeps alive and revokes leases; their keys go with them', async () => {
    const lease = client.lease(60, { autoKeepAlive: false });
    const id = await lease.grant();
    expect(id).toMatch(/^[1-9]\d*$/);
    await lease.put('/lease/k').value('v');
    await lease.keepaliveOnce();
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
    expect(ttl.grantedTTL).toBe('60');
    expect(ttl.keys.map((k) => k.toString())).toEqual(['/lease/k']);
    await lease.revoke();
    expect(await client.get('/lease/k').string()).toBeNull();
  });

  it('serves the watch stream control messages as etcd does', async () => {
    const stream = await client.watchClient.watch();
    const responses: IWatchResponse[] = [];
    let wake: (() => void) | null = null;
    stream.on('data', (r: IWatchResponse) => {
      responses.push(r);
      wake?.();
    });
    /** The next response, waiting at most 5 s for it. */
    const next = async () => {
      if (responses.length === 0) {
        await once<null>((l) => (wake = () => l(null)));
        wake = null;
      }
      const r = responses.shift();
      if (!r) throw new Error('no watch response');
      return r;
    };
    try {
      stream.write({ create_request: { key: Buffer.from('/ctl'), watch_id: 7 } });
      expect(await next()).toMatchObject({ watch_id: '7', created: true, canceled: false });

      stream.write({ create_request: { key: Buffer.from('/ctl'), watch_id: 7 } });
      expect(await next()).toMatchObject({
        watch_id: '-1',
        created: true,
        canceled: true,
        cancel_reason: 'mvcc: duplicate watch ID provided on the WatchStream',
      });

      if (t.name === 'pilothouse') {
        // etcd ≥ 3.5 refuses a negative start revision like this; the 3.4 oracle accepts it.
        stream.write({ create_request: { key: Buffer.from('/ctl'), start_revision: -1 } });
        expect(await next()).toMatchObject({
          watch_id: '-1',
          created: true,
          canceled: true,
          cancel_reason: 'etcdserver: mvcc: required revision has been compacted',
        });
      }

      const { header } = await client.kv.range({ key: Buffer.from('/ctl') });
      stream.write({ progress_request: {} });
      const progress = await next();
      expect(progress).toMatchObject({ watch_id: '-1', created: false, canceled: false, events: [] });
      expect(progress.header.revision).toBe(header.revision);

      stream.write({ cancel_request: { watch_id: 7 } });
      expect(await next()).toMatchObject({ watch_id: '7', canceled: true });
      stream.write({ cancel_request: { watch_id: 99 } }); // unknown: no answer
      stream.write({ create_request: { key: Buffer.from('/ctl') } });
      expect(await next()).toMatchObject({ watch_id: '0', created: true });
    } finally {
      stream.end();
    }
  });

  it('reports status', async () => {
    const status = await client.maintenance.status();
    expect(status.version).toMatch(/^3\.\d+\.\d+$/);
    expect(status.leader).toBe(status.header.member_id);
    expect(Number(status.dbSize)).toBeGreaterThanOrEqual(0);
  });
});
