/**
 * The etcd backend against real etcd with client-certificate TLS, and with user/password auth
 * (users and `auth enable` set up with the real etcdctl).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietLog } from '../conformance/targets';
import { record } from '../conformance/watcher';
import { startEtcdCluster, type EtcdCluster } from '../testing/etcd-cluster';
import { writeTestTlsFiles } from '../testing/tls-files';
import type { Store } from '../types';
import { openEtcdStore } from './index';
import { must } from '../testing/must';

const b = (s: string) => Buffer.from(s);
const FAST = { requestTimeoutMs: 1_500, readAttemptTimeoutMs: 700 };

async function roundTrip(store: Store): Promise<string> {
  await store.put({ key: b('/security/k'), value: b('v') });
  return Buffer.from((await store.range({ key: b('/security/k') })).kvs[0]?.value ?? '').toString();
}

describe('etcd backend over TLS with client certificates', () => {
  let cluster: EtcdCluster;
  let otherCa: string;
  beforeAll(async () => {
    cluster = await startEtcdCluster({ tls: true });
    const dir = await mkdtemp(join(tmpdir(), 'pilothouse-other-ca-'));
    otherCa = (await writeTestTlsFiles(dir)).caFile;
  });
  afterAll(async () => {
    await cluster?.close();
    if (otherCa) await rm(join(otherCa, '..'), { recursive: true, force: true });
  });

  it('works with the cluster CA and a client certificate', async () => {
    const tls = must(cluster.tls);
    const store = await openEtcdStore(
      {
        endpoints: cluster.endpoints,
        caFile: tls.caFile,
        certFile: tls.clientCertFile,
        keyFile: tls.clientKeyFile,
      },
      quietLog,
    );
    try {
      expect(await roundTrip(store)).toBe('v');
      expect((await store.status()).backend).toBe('etcd');
    } finally {
      await store.close();
    }
  });

  it.each([
    ['no client certificate', () => ({ caFile: must(cluster.tls).caFile })],
    [
      'a server certificate from another CA',
      () => ({
        caFile: otherCa,
        certFile: must(cluster.tls).clientCertFile,
        keyFile: must(cluster.tls).clientKeyFile,
      }),
    ],
  ])('fails to open, within its deadline, with %s', async (_name, files) => {
    const started = Date.now();
    await expect(
      openEtcdStore({ endpoints: cluster.endpoints, ...files() }, quietLog, FAST),
    ).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining(`tried ${cluster.endpoint(0)}`),
    });
    expect(Date.now() - started).toBeLessThan(FAST.requestTimeoutMs + 1_000);
  });

  it.each([
    [['https://127.0.0.1:1', 'http://127.0.0.1:2'], {}, /mix https:\/\/ and http:\/\//],
    [['http://127.0.0.1:1'], { caFile: '/nonexistent' }, /TLS files were given but the endpoints are http/],
    [['https://127.0.0.1:1'], { certFile: '/c' }, /needs both its certificate and its key/],
    [['127.0.0.1:2379'], {}, /is not an http\(s\):\/\/host:port URL/],
  ])('refuses the configuration %j %j', async (endpoints, files, message) => {
    await expect(openEtcdStore({ endpoints, ...files }, quietLog, FAST)).rejects.toThrow(message);
  });
});

describe('etcd backend with user/password auth', () => {
  let cluster: EtcdCluster;
  const etcdctl = async (...args: string[]) =>
    (
      await promisify(execFile)('etcdctl', ['--endpoints', cluster.endpoint(0), ...args], {
        env: { ...process.env, ETCDCTL_API: '3' },
        timeout: 10_000,
      })
    ).stdout;

  beforeAll(async () => {
    // Tokens live 1 s, so a test can see one expire (default 300 s, --auth-token-ttl).
    cluster = await startEtcdCluster({ extraArgs: ['--auth-token-ttl=1'] });
    await etcdctl('user', 'add', 'root', '--new-user-password=s3cret', '--interactive=false');
    await etcdctl('auth', 'enable');
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('authenticates with the password and refreshes an expired token', async () => {
    const store = await openEtcdStore(
      { endpoints: cluster.endpoints, username: 'root', password: 's3cret' },
      quietLog,
    );
    try {
      expect(await roundTrip(store)).toBe('v');
      // etcd forgets simple tokens after --auth-token-ttl; the next call must authenticate again.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await roundTrip(store)).toBe('v');
      // A watch created with an expired token is refused per watch; it must still start.
      await new Promise((r) => setTimeout(r, 2_500));
      const w = await record(store, { key: b('/security/k') });
      await store.put({ key: b('/security/k'), value: b('w') });
      expect((await w.untilEvents(1)).map((e) => Buffer.from(e.kv.value).toString())).toEqual(['w']);
      w.watch.cancel();
    } finally {
      await store.close();
    }
  });

  it('fails to open with a wrong password, saying so', async () => {
    await expect(
      openEtcdStore({ endpoints: cluster.endpoints, username: 'root', password: 'wrong' }, quietLog, FAST),
    ).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/refused the credentials .*authentication failed/),
    });
  });

  it('fails to open without credentials once auth is on', async () => {
    // etcd 3.4 checks even Maintenance.Status: "etcdserver: user name is empty".
    await expect(openEtcdStore({ endpoints: cluster.endpoints }, quietLog, FAST)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/refused the credentials \(etcdserver: user name is empty\)/),
    });
  });
});
