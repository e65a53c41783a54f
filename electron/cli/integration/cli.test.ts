/**
 * The built `pilothouse` command as users run it: real processes, real ports, real TLS, and
 * real kubectl against the API server's version endpoint.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  FREE_PORTS,
  ROOT,
  runCli,
  startServer,
  tempDataDir,
  type RunningServer,
} from '../../../e2e/support/pilothouse-server';
import { EtcdCluster } from '../../engine/store/testing/etcd-cluster';

const exec = promisify(execFile);
const running: RunningServer[] = [];

beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
});

async function start(opts: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(opts);
  running.push(s);
  return s;
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

function listenOn(host: string): Promise<net.Server & { port: number }> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, host, () => resolve(Object.assign(srv, { port: (srv.address() as net.AddressInfo).port })));
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(true));
  });
}

const PKI_CERTS = ['ca.crt', 'apiserver.crt', 'admin.crt', 'etcd-server.crt', 'etcd-client.crt'];

/** Non-empty lines of a stream, for "exactly one clear line" checks. */
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

describe('pilothouse --help / --version', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('runs as `npx pilothouse` from the checkout (package.json bin)', async () => {
    const { stdout } = await exec('npx', ['--no-install', 'pilothouse', '--version'], {
      cwd: ROOT,
      timeout: 30_000,
    });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists only the commands that exist', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+server \[options\]/m);
    expect(r.stdout).toMatch(/^\s+sim\b/m);
    for (const later of ['node', 'image', 'kubeconfig', 'agent']) {
      expect(r.stdout).not.toMatch(new RegExp(`^\\s+${later}\\b`, 'm'));
    }
  });

  it('documents every server flag', async () => {
    const r = await runCli(['server', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--data-dir',
      '--bind-address',
      '--secure-port',
      '--ui-host',
      '--ui-port',
      '--cluster-cidr',
      '--service-cluster-ip-range',
      '--tls-san',
      '--store',
      '--store-retention',
      '--etcd-port',
      '--etcd-servers',
      '--etcd-cafile',
      '--etcd-certfile',
      '--etcd-keyfile',
      '--disable-scheduler',
      '--disable-controller-manager',
      '--no-leader-elect',
      '--leader-elect-lease-duration',
      '--leader-elect-renew-deadline',
      '--leader-elect-retry-period',
      '--node-monitor-period',
      '--node-monitor-grace-period',
      '--node-eviction-rate',
      '--terminated-pod-gc-threshold',
      '--scheduler-config',
      '--log-level',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('bad input: one clear line on stderr and a non-zero exit', () => {
  it.each([
    [['server', '--bogus'], /unknown option '--bogus'/],
    [['server', '--secure-port', 'abc'], /--secure-port.*expected a port number.*'abc'/],
    [['server', '--ui-port', '70000'], /--ui-port.*expected a port number/],
    [['server', '--ui-host', '0.0.0.0'], /loopback/],
    [['server', '--bind-address', 'not-an-ip'], /expected an IP address/],
    [['server', '--cluster-cidr', '10.42.0.0'], /expected an IPv4 CIDR/],
    [['server', '--log-level', 'loud'], /expected one of debug, info/],
    [['server', '--store', 'sqlite'], /--store.*expected one of embedded, memory, etcd, got 'sqlite'/],
    [['server', '--store-retention', 'soon'], /--store-retention.*expected a whole number of seconds/],
    [['server', '--etcd-port', '99999'], /--etcd-port.*expected a port number/],
    [['server', '--etcd-servers', 'ftp://127.0.0.1:1'], /expected an http:\/\/ or https:\/\/ URL/],
    [['server', '--store', 'etcd'], /--store etcd needs --etcd-servers/],
    [['server', '--etcd-servers', 'https://127.0.0.1:1'], /--etcd-servers only apply with --store etcd/],
    [
      ['server', '--node-monitor-grace-period', 'soon'],
      /--node-monitor-grace-period.*expected a duration such as 40s/,
    ],
    [
      ['server', '--leader-elect-lease-duration', '10x'],
      /expected a duration such as 40s, 5m or 500ms, got '10x'/,
    ],
    [['server', '--node-eviction-rate', '-1'], /--node-eviction-rate.*expected a number 0 or more/],
    [['server', '--terminated-pod-gc-threshold', '1.5'], /expected a whole number/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^pilothouse/);
  });

  it.each([
    ['API', '--secure-port', '0.0.0.0'],
    ['UI', '--ui-port', '127.0.0.1'],
    ['etcd', '--etcd-port', '127.0.0.1'],
  ])('refuses an occupied %s port and leaves nothing behind', async (what, flag, host) => {
    const blocker = await listenOn(host);
    try {
      const dataDir = tempDataDir();
      // The later flag wins: every listener on a free port but this one.
      const r = await runCli(['server', '--data-dir', dataDir, ...FREE_PORTS, flag, String(blocker.port)]);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual([
        `pilothouse: ${what} port ${blocker.port} is already in use on ${host}; stop what uses it or pass ${flag}`,
      ]);
      expect(r.stdout).toBe('');
      expect(existsSync(path.join(dataDir, 'engine.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('refuses a data dir below a regular file', async () => {
    const file = path.join(tempDataDir(), 'plain-file');
    writeFileSync(file, 'x');
    const r = await runCli(['server', '--data-dir', path.join(file, 'data'), ...FREE_PORTS]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^pilothouse: data dir .*plain-file\/data is not writable \(ENOTDIR\)/);
  });

  it.each([
    ['a missing file', null, /cannot read the scheduler configuration .*nope\.yaml: ENOENT/],
    [
      'a wrong weight',
      'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n  - plugins:\n      score:\n        enabled:\n          - name: NodeAffinity\n            weight: -3\n',
      /scheduler configuration .*sched\.yaml: profiles\[0\]\.plugins\.score\.enabled\[0\]\.weight/,
    ],
  ])('refuses a scheduler configuration with %s, naming the file and field', async (_what, text, message) => {
    const dir = tempDataDir();
    const file = path.join(dir, text === null ? 'nope.yaml' : 'sched.yaml');
    if (text !== null) writeFileSync(file, text);
    const r = await runCli([
      'server',
      '--data-dir',
      path.join(dir, 'data'),
      ...FREE_PORTS,
      '--scheduler-config',
      file,
    ]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a data dir on a read-only file system', async () => {
    // A read-only tmpfs in a private mount namespace: root ignores permission bits, so this is
    // the honest way to make a directory unwritable for root.
    const dir = tempDataDir();
    const r = await runCli(['server', '--data-dir', dir, ...FREE_PORTS], {
      prefix: [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t tmpfs -o ro tmpfs "${dir}" && exec "$@"`,
        'sh',
      ],
    });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/is not writable \(EROFS\)/);
  });

  it('refuses a data dir another server is using', async () => {
    const first = await start();
    const r = await runCli(['server', '--data-dir', first.dataDir, ...FREE_PORTS]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/is in use by another Pilothouse engine \(pid \d+\)/);
    // The first server is unaffected.
    expect((await get(`${first.apiUrl}/readyz`, first.caPem)).status).toBe(200);
  });
});

describe('pilothouse server', () => {
  it('serves /livez, /readyz and /version over TLS verified by the generated CA', async () => {
    const s = await start();
    expect(s.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(s.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    expect(await get(`${s.apiUrl}/readyz`, s.caPem)).toEqual({ status: 200, body: 'ok' });
    expect(await get(`${s.apiUrl}/livez`, s.caPem)).toEqual({ status: 200, body: 'ok' });
    const verbose = await get(`${s.apiUrl}/readyz?verbose`, s.caPem);
    expect(verbose.body).toContain('[+]shutdown ok');
    const version = JSON.parse((await get(`${s.apiUrl}/version`, s.caPem)).body) as Record<string, string>;
    expect(version).toMatchObject({ major: '1', minor: '33', platform: expect.stringMatching(/^linux\//) });
    expect(version.gitVersion).toMatch(/^v1\.33\.\d+\+pilothouse\./);
  });

  it('refuses anonymous requests beyond health and version with a Status', async () => {
    const s = await start();
    const r = await get(`${s.apiUrl}/api/v1/namespaces`, s.caPem);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('writes a kubeconfig that real kubectl uses (TLS + client certificate)', async () => {
    const s = await start();
    const kubectls = ['kubectl', ...kubectlVersions(['1.27', '1.33'])];
    for (const kubectl of kubectls) {
      const { stdout } = await exec(kubectl, ['--kubeconfig', s.kubeconfig, 'version', '-o', 'json'], {
        timeout: 20_000,
      });
      const out = JSON.parse(stdout) as { serverVersion: { gitVersion: string } };
      expect(out.serverVersion.gitVersion).toMatch(/\+pilothouse\./);
    }
    // A kubeconfig with the wrong CA must not be accepted.
    const other = await start();
    const mixed = path.join(s.dataDir, 'mixed.yaml');
    await fs.writeFile(
      mixed,
      (await fs.readFile(s.kubeconfig, 'utf8')).replace(/server: .*/, `server: ${other.apiUrl}`),
    );
    await expect(
      exec('kubectl', ['--kubeconfig', mixed, 'version', '-o', 'json'], { timeout: 20_000 }),
    ).rejects.toThrow(/certificate/);
  });

  it('keeps keys private and reuses its PKI on the next start', async () => {
    const dataDir = tempDataDir();
    const first = await start({ dataDir });
    const pki = path.join(dataDir, 'pki');
    const modes = Object.fromEntries(
      await Promise.all(
        readdirSync(pki).map(async (f) => [f, (await fs.stat(path.join(pki, f))).mode & 0o777] as const),
      ),
    );
    expect(modes).toMatchObject({
      'ca.key': 0o600,
      'apiserver.key': 0o600,
      'admin.key': 0o600,
      'etcd-server.key': 0o600,
      'etcd-client.key': 0o600,
    });
    expect((await fs.stat(pki)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(first.kubeconfig)).mode & 0o777).toBe(0o600);
    const before = await Promise.all(PKI_CERTS.map((f) => fs.readFile(path.join(pki, f), 'utf8')));
    expect((await first.stop()).code).toBe(0);

    const second = await start({ dataDir });
    const after = await Promise.all(PKI_CERTS.map((f) => fs.readFile(path.join(pki, f), 'utf8')));
    expect(after).toEqual(before);
    expect((await get(`${second.apiUrl}/readyz`, first.caPem)).status).toBe(200);
  });

  it('stops on Ctrl-C within 2 s and leaves nothing listening', async () => {
    const s = await start();
    const apiPort = Number(new URL(s.apiUrl).port);
    const uiPort = Number(new URL(s.uiUrl).port);
    const etcdPort = Number(new URL(s.etcdUrl).port);
    expect(await refused(apiPort)).toBe(false);
    expect(await refused(etcdPort)).toBe(false);
    const { code, ms } = await s.stop('SIGINT');
    expect(code).toBe(0);
    // The acceptance bound for shutdown, not a performance figure.
    expect(ms).toBeLessThan(2000);
    expect(await refused(apiPort)).toBe(true);
    expect(await refused(uiPort)).toBe(true);
    expect(await refused(etcdPort)).toBe(true);
    expect(existsSync(path.join(s.dataDir, 'engine.lock'))).toBe(false);
    expect(s.stdout()).toMatch(/stopped\n$/);
  });

  it('stops its engine when the server itself is killed (no orphan, lock released)', async () => {
    const s = await start();
    const { stdout } = await exec('pgrep', ['-P', String(s.child.pid)]);
    const enginePid = Number(stdout.trim().split('\n')[0]);
    await s.stop('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isRunning(enginePid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isRunning(enginePid)).toBe(false);
    expect(await refused(Number(new URL(s.apiUrl).port))).toBe(true);
    expect(existsSync(path.join(s.dataDir, 'engine.lock'))).toBe(false);
  });

  it('exits non-zero with one line when the engine process dies', async () => {
    const s = await start();
    const { stdout } = await exec('pgrep', ['-P', String(s.child.pid)]);
    const enginePid = Number(stdout.trim().split('\n')[0]);
    process.kill(enginePid, 'SIGKILL');
    const { code } = await s.stop('SIGCONT');
    expect(code).toBe(1);
    expect(s.stderr()).toMatch(/pilothouse: the engine process exited unexpectedly/);
  });
});

describe('pilothouse server: the cluster store and its etcd endpoint', () => {
  const etcdctl = (s: RunningServer, args: string[]) =>
    exec(
      'etcdctl',
      [
        '--endpoints',
        s.etcdUrl,
        '--cacert',
        s.caPath,
        '--cert',
        s.etcdCertPath ?? '',
        '--key',
        s.etcdKeyPath ?? '',
        ...args,
      ],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 20_000 },
    );

  it('prints an etcdctl command line that works, and keeps writes across restarts (embedded)', async () => {
    const dataDir = tempDataDir();
    const first = await start({ dataDir });
    expect(first.etcdUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(first.stdout()).toContain(`etcd:        ${first.etcdUrl} (embedded store, mutual TLS)`);
    expect(first.etcdCertPath).toBe(path.join(dataDir, 'pki', 'etcd-client.crt'));
    expect(first.etcdKeyPath).toBe(path.join(dataDir, 'pki', 'etcd-client.key'));
    const printed = /^\s+etcdctl:\s+(.+)$/m.exec(first.stdout())?.[1] ?? '';
    const status = await exec('sh', ['-c', `${printed} -w json`], { timeout: 20_000 });
    expect(JSON.parse(status.stdout)).toMatchObject([{ Endpoint: first.etcdUrl }]);

    await etcdctl(first, ['put', '/pilothouse-test/kept', 'yes']);
    const ready = await get(`${first.apiUrl}/readyz?verbose`, first.caPem);
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('[+]etcd ok');
    expect((await first.stop()).code).toBe(0);

    const second = await start({ dataDir });
    const { stdout } = await etcdctl(second, ['get', '/pilothouse-test/kept', '--print-value-only']);
    expect(stdout.trim()).toBe('yes');
  });

  it('runs on the memory store, which forgets on restart', async () => {
    const dataDir = tempDataDir();
    const first = await start({ dataDir, args: ['--store', 'memory'] });
    expect(first.stdout()).toContain(`(memory store, mutual TLS)`);
    await etcdctl(first, ['put', '/pilothouse-test/gone', 'soon']);
    expect((await etcdctl(first, ['get', '/pilothouse-test/gone', '--print-value-only'])).stdout.trim()).toBe(
      'soon',
    );
    expect((await first.stop()).code).toBe(0);
    const second = await start({ dataDir, args: ['--store', 'memory'] });
    expect((await etcdctl(second, ['get', '/pilothouse-test/gone'])).stdout).toBe('');
  });

  it('uses a real etcd with --store etcd, and reports it in /readyz', async () => {
    const cluster = await EtcdCluster.start({ tls: true });
    try {
      const tls = cluster.tls;
      if (!tls) throw new Error('no TLS files');
      const endpoint = cluster.endpoints[0] ?? '';
      const s = await start({
        args: [
          '--store',
          'etcd',
          '--etcd-servers',
          endpoint,
          '--etcd-cafile',
          tls.caFile,
          '--etcd-certfile',
          tls.clientCertFile,
          '--etcd-keyfile',
          tls.clientKeyFile,
        ],
      });
      expect(s.etcdUrl).toBe(endpoint);
      expect(s.stdout()).toContain(`etcd:        ${endpoint} (etcd cluster)`);
      expect(s.stdout()).toContain(
        `--cacert ${tls.caFile} --cert ${tls.clientCertFile} --key ${tls.clientKeyFile}`,
      );
      const ready = await get(`${s.apiUrl}/readyz?verbose`, s.caPem);
      expect(ready.body).toContain('[+]etcd ok');

      await cluster.stop(0);
      const deadline = Date.now() + 15_000;
      let readyz = await get(`${s.apiUrl}/readyz?verbose`, s.caPem);
      while (readyz.status === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        readyz = await get(`${s.apiUrl}/readyz?verbose`, s.caPem);
      }
      expect(readyz.status).not.toBe(200);
      expect(readyz.body).toContain('[-]etcd failed: reason withheld');
    } finally {
      await cluster.close();
    }
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kubectlVersions(minors: string[]): string[] {
  return minors.map((m) => `/usr/lib/google-cloud-sdk/bin/kubectl.${m}`).filter((p) => existsSync(p));
}
