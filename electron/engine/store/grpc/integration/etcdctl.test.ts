/**
 * Real etcdctl (Debian etcd-client 3.4) against the etcd endpoint over the memory store, with
 * mutual TLS on 127.0.0.1 — and the very same commands against a real etcd (Debian etcd-server)
 * with client-certificate auth. Real etcd is the oracle: every expectation below holds for both.
 * Keys are per test; revisions are read, never assumed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Target,
  errorLine,
  etcdctl,
  lines,
  ok,
  revisionOf,
  startEtcdTarget,
  startEtcdctl,
  startPilothouseTarget,
} from './harness';

const TARGETS: [string, () => Promise<Target>][] = [
  ['pilothouse', startPilothouseTarget],
  ['real etcd', startEtcdTarget],
];

const MAX_SEND = 2 * 1024 * 1024; // etcdctl's own gRPC send limit (clientv3 default)

describe.each(TARGETS)('etcdctl against %s', (_name, start) => {
  let t: Target;
  beforeAll(async () => {
    t = await start();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('put, get --prefix --keys-only, get --rev, del --prefix', async () => {
    expect(await ok(t, ['put', '/kv/a', 'one'])).toBe('OK\n');
    await ok(t, ['put', '/kv/b', 'two']);
    await ok(t, ['put', '/kvx', 'outside']);
    const rev = await revisionOf(t);
    await ok(t, ['put', '/kv/a', 'uno']);

    expect(lines(await ok(t, ['get', '--prefix', '/kv/', '--keys-only']))).toEqual(['/kv/a', '/kv/b']);
    expect(lines(await ok(t, ['get', '/kv/a', '--rev', String(rev)]))).toEqual(['/kv/a', 'one']);
    expect(lines(await ok(t, ['get', '/kv/a']))).toEqual(['/kv/a', 'uno']);
    const json = JSON.parse(await ok(t, ['get', '/kv/a', '-w', 'json'])) as {
      header: { revision: number };
      kvs: { create_revision: number; mod_revision: number; version: number }[];
      count: number;
    };
    expect(json.header.revision).toBe(rev + 1);
    expect(json.kvs).toEqual([
      expect.objectContaining({ create_revision: rev - 2, mod_revision: rev + 1, version: 2 }),
    ]);
    expect(lines(await ok(t, ['get', '/kv/', '/kv0', '--limit', '1', '--keys-only']))).toEqual(['/kv/a']);
    expect(
      lines(
        await ok(t, ['get', '--prefix', '/kv', '--sort-by', 'MODIFY', '--order', 'DESCEND', '--keys-only']),
      ),
    ).toEqual(['/kv/a', '/kvx', '/kv/b']);

    expect(lines(await ok(t, ['get', '--from-key', '/kv/b', '--keys-only']))).toEqual(
      expect.arrayContaining(['/kv/b', '/kvx']),
    );
    expect(await ok(t, ['del', '--prefix', '/kv/'])).toBe('2\n');
    expect(await ok(t, ['get', '--prefix', '/kv/'])).toBe('');
    expect(lines(await ok(t, ['get', '/kvx']))).toEqual(['/kvx', 'outside']);
    expect(lines(await ok(t, ['put', '/kvx', 'again', '--prev-kv']))).toEqual(['OK', '/kvx', 'outside']);
  });

  it('watch --prefix --rev replays history with prev kv, then live events', async () => {
    const from = (await revisionOf(t)) + 1;
    await ok(t, ['put', '/w/1', 'a']);
    await ok(t, ['put', '/w/1', 'b']);
    await ok(t, ['put', '/wx', 'outside the prefix']);
    await ok(t, ['del', '/w/1']);
    const watch = startEtcdctl(t, ['watch', '--prefix', '/w/', '--rev', String(from), '--prev-kv']);
    let output: string;
    try {
      expect(await watch.waitFor((o) => lines(o).length >= 12)).toBe(true);
      await ok(t, ['put', '/w/2', 'c']);
      expect(await watch.waitFor((o) => lines(o).includes('c'))).toBe(true);
    } finally {
      output = (await watch.stop()).stdout;
    }
    expect(lines(output)).toEqual([
      ...['PUT', '/w/1', 'a'],
      ...['PUT', '/w/1', 'a', '/w/1', 'b'],
      ...['DELETE', '/w/1', 'b', '/w/1'],
      ...['PUT', '/w/2', 'c'],
    ]);
  });

  it('txn (interactive form): compares, success and failure branches', async () => {
    const txn = (input: string) => ok(t, ['txn'], input);
    const guarded = 'mod("/t/k") = "0"\n\nput /t/k v1\nget /t/k\n\nput /t/fail x\n\n';
    expect(lines(await txn(guarded))).toEqual(['SUCCESS', 'OK', '/t/k', 'v1']);
    expect(lines(await txn(guarded))).toEqual(['FAILURE', 'OK']);
    expect(lines(await ok(t, ['get', '/t/fail']))).toEqual(['/t/fail', 'x']);
    expect(lines(await txn('value("/t/k") = "v1"\nversion("/t/k") > "0"\n\ndel /t/k\n\n\n'))).toEqual([
      'SUCCESS',
      '1',
    ]);
    expect(lines(await txn('create("/t/k") != "0"\n\n\nput /t/k created\n\n'))).toEqual(['FAILURE', 'OK']);
  });

  it('lease grant, put --lease, timetolive --keys, keep-alive --once, list, revoke', async () => {
    const granted = /^lease ([0-9a-f]+) granted with TTL\(60s\)$/.exec(
      (await ok(t, ['lease', 'grant', '60'])).trim(),
    );
    const id = granted?.[1] ?? '';
    expect(id).not.toBe('');
    await ok(t, ['put', '--lease', id, '/l/k', 'v']);
    expect((await ok(t, ['lease', 'timetolive', id, '--keys'])).trim()).toMatch(
      new RegExp(
        `^lease ${id} granted with TTL\\(60s\\), remaining\\((59|60)s\\), attached keys\\(\\[/l/k\\]\\)$`,
      ),
    );
    expect((await ok(t, ['lease', 'keep-alive', '--once', id])).trim()).toBe(
      `lease ${id} keepalived with TTL(60)`,
    );
    expect(lines(await ok(t, ['lease', 'list']))).toContain(id);
    const keepAlive = startEtcdctl(t, ['lease', 'keep-alive', id]);
    try {
      const renewed = (o: string) => o.split(`lease ${id} keepalived with TTL(60)`).length - 1;
      // etcdctl renews every TTL/3 and prints each renewal; the first is immediate.
      expect(await keepAlive.waitFor((o) => renewed(o) >= 1)).toBe(true);
    } finally {
      await keepAlive.stop();
    }
    expect((await ok(t, ['lease', 'revoke', id])).trim()).toBe(`lease ${id} revoked`);
    expect(await ok(t, ['get', '/l/k'])).toBe('');
    expect((await ok(t, ['lease', 'timetolive', id])).trim()).toBe(`lease ${id} already expired`);
    expect(errorLine(await etcdctl(t, ['lease', 'keep-alive', '--once', id]))).toBe(
      'Error: etcdserver: requested lease not found',
    );
    expect(errorLine(await etcdctl(t, ['lease', 'revoke', id]))).toBe(
      'Error: failed to revoke lease (etcdserver: requested lease not found)',
    );
  });

  it('deletes the keys of an expired lease (watched, not polled)', async () => {
    const id = /lease ([0-9a-f]+) granted/.exec(await ok(t, ['lease', 'grant', '2']))?.[1] ?? '';
    await ok(t, ['put', '--lease', id, '/l/short', 'v']);
    const watch = startEtcdctl(t, ['watch', '/l/short']);
    try {
      // TTL 2 s; etcd checks expiry every 500 ms.
      expect(await watch.waitFor((o) => o.includes('DELETE'), 8000)).toBe(true);
    } finally {
      await watch.stop();
    }
    expect(await ok(t, ['get', '/l/short'])).toBe('');
  });

  it('endpoint status, endpoint health and member list', async () => {
    const rev = await revisionOf(t);
    const status = await ok(t, ['endpoint', 'status', '-w', 'json']);
    const parsed = JSON.parse(status) as {
      Endpoint: string;
      Status: { header: { revision: number }; version: string; raftIndex: number; raftTerm: number };
    }[];
    expect(parsed).toHaveLength(1);
    expect(parsed[0]?.Endpoint).toBe(t.endpoint);
    expect(parsed[0]?.Status.header.revision).toBe(rev);
    expect(parsed[0]?.Status.version).toMatch(/^3\.[45]\.\d+$/);
    expect(parsed[0]?.Status.raftIndex).toBeGreaterThanOrEqual(1);
    expect(parsed[0]?.Status.raftTerm).toBeGreaterThanOrEqual(1);
    // uint64 ids exceed 2^53: compare their digits, not parsed numbers.
    const memberId = /"member_id":(\d+)/.exec(status)?.[1];
    expect(memberId).toMatch(/^[1-9]\d*$/);
    expect(/"leader":(\d+)/.exec(status)?.[1]).toBe(memberId);

    const health = await etcdctl(t, ['endpoint', 'health']);
    expect(health.code).toBe(0);
    expect(health.stdout + health.stderr).toMatch(/is healthy: successfully committed proposal/);

    const members = await ok(t, ['member', 'list', '-w', 'json']);
    expect(/"ID":(\d+)/.exec(members)?.[1]).toBe(memberId);
    expect(JSON.parse(members)).toMatchObject({ members: [{ clientURLs: [t.endpoint] }] });
  });

  it("refuses what etcd refuses, with etcd's messages", async () => {
    const bigPut = (bytes: number) => etcdctl(t, ['put', '/big'], { input: Buffer.alloc(bytes, 'v') });
    expect(errorLine(await bigPut(1_600_000))).toBe('Error: etcdserver: request is too large');
    // etcdctl itself stops a 2 MiB request (its send limit), before any server sees it.
    expect(errorLine(await bigPut(MAX_SEND))).toMatch(
      /trying to send message larger than max \(\d+ vs\. 2097152\)/,
    );
    expect(await ok(t, ['get', '/big'])).toBe('');

    const puts = (n: number) => Array.from({ length: n }, (_, i) => `put /ops/${i} v`).join('\n');
    expect(errorLine(await etcdctl(t, ['txn'], { input: `\n${puts(129)}\n\n\n` }))).toBe(
      'Error: etcdserver: too many operations in txn request',
    );
    expect(lines(await ok(t, ['txn'], `\n${puts(128)}\n\n\n`))[0]).toBe('SUCCESS');
    expect(errorLine(await etcdctl(t, ['txn'], { input: '\nput /dup a\nput /dup b\n\n\n' }))).toBe(
      'Error: etcdserver: duplicate key given in txn request',
    );
    expect(errorLine(await etcdctl(t, ['get', '/kvx', '--rev', '1000000']))).toBe(
      'Error: etcdserver: mvcc: required revision is a future revision',
    );
    expect(errorLine(await etcdctl(t, ['put', '/kvx', 'v', '--ignore-lease', '--lease', '1']))).toBe(
      'Error: etcdserver: lease is provided',
    );
    expect(errorLine(await etcdctl(t, ['put', '/nothing-here', '--ignore-value']))).toBe(
      'Error: etcdserver: key not found',
    );
    expect(errorLine(await etcdctl(t, ['put', '/kvx', 'v', '--lease', '123abc']))).toBe(
      'Error: etcdserver: requested lease not found',
    );
  });

  // Last: compaction makes older revisions unreadable for the tests after it.
  it('compaction: compacted and future revisions, and a watch from a compacted revision', async () => {
    await ok(t, ['put', '/c/k', 'v1']);
    const before = await revisionOf(t);
    await ok(t, ['put', '/c/k', 'v2']);
    const at = await revisionOf(t);

    expect((await ok(t, ['compaction', String(at)])).trim()).toBe(`compacted revision ${at}`);
    expect(errorLine(await etcdctl(t, ['get', '/c/k', '--rev', String(before)]))).toBe(
      'Error: etcdserver: mvcc: required revision has been compacted',
    );
    expect(lines(await ok(t, ['get', '/c/k', '--rev', String(at)]))).toEqual(['/c/k', 'v2']);
    expect(errorLine(await etcdctl(t, ['compaction', String(at)]))).toBe(
      'Error: etcdserver: mvcc: required revision has been compacted',
    );
    expect(errorLine(await etcdctl(t, ['compaction', String(at + 1000)]))).toBe(
      'Error: etcdserver: mvcc: required revision is a future revision',
    );

    const watch = await etcdctl(t, ['watch', '/c/k', '--rev', String(before)], { timeoutMs: 10_000 });
    expect(watch.stdout + watch.stderr).toContain(
      'watch was canceled (etcdserver: mvcc: required revision has been compacted)',
    );
    expect(errorLine(watch)).toBe('Error: watch is canceled by the server');
  });
});

describe('etcdctl against Pilothouse: what the endpoint does not serve, and what it fakes', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startPilothouseTarget();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    [['endpoint', 'hashkv'], 'etcdserverpb.Maintenance/HashKV'],
    [['snapshot', 'save', '/dev/null'], 'etcdserverpb.Maintenance/Snapshot'],
    [['member', 'add', 'x', '--peer-urls', 'http://127.0.0.1:1'], 'etcdserverpb.Cluster/MemberAdd'],
    [['user', 'list'], 'etcdserverpb.Auth/UserList'],
  ])('%j answers UNIMPLEMENTED naming %s', async (args, method) => {
    const r = await etcdctl(t, args);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`${method} is not implemented by Pilothouse's etcd endpoint`);
  });

  it('accepts defrag (LMDB reuses freed pages; nothing to rewrite) and reports no alarms', async () => {
    expect(await ok(t, ['defrag'])).toContain(`Finished defragmenting etcd member[${t.endpoint}]`);
    expect(await ok(t, ['alarm', 'list'])).toBe('');
  });
});
