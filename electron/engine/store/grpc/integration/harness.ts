/**
 * Targets for the etcd endpoint's integration tests, and a bounded way to run real etcdctl
 * (Debian's etcd-client 3.4, `ETCDCTL_API=3`) against them. Everything listens on 127.0.0.1.
 *
 * - `startPilothouseTarget()`: the gRPC server over the memory store, with mutual TLS from a
 *   Pilothouse PKI made by the same code the engine runs (ensureClusterPki), admitting only the
 *   etcd client certificate — the endpoint `pilothouse server` serves.
 * - `startEtcdTarget()`: a real etcd (Debian etcd-server) with client-certificate auth, the
 *   oracle: tests that run against both must see the same output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dataPaths } from '../../../config';
import { createLogger } from '../../../log';
import { ETCD_CLIENT_CN, ensureClusterPki } from '../../../pki';
import { createMemoryStore } from '../../memory';
import { EtcdCluster } from '../../testing/etcd-cluster';
import type { Store } from '../../types';
import { type EtcdServer, startEtcdServer } from '../server';

export interface Target {
  name: 'pilothouse' | 'etcd';
  endpoint: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  close(): Promise<void>;
}

export interface PilothouseTarget extends Target {
  name: 'pilothouse';
  store: Store;
  server: EtcdServer;
  dir: string;
  /** Files of other identities from the same PKI (e.g. the admin pair), for refusal tests. */
  paths: ReturnType<typeof dataPaths>;
}

export async function startPilothouseTarget(): Promise<PilothouseTarget> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pilothouse-etcd-grpc-'));
  const paths = dataPaths(dir);
  const pki = await ensureClusterPki(paths, { serviceClusterIpRange: '10.43.0.0/16', tlsSans: [] });
  const log = createLogger('etcd-grpc-test', 'silent');
  const store = createMemoryStore({ retentionSeconds: 0, log });
  const server = await startEtcdServer({
    store,
    host: '127.0.0.1',
    port: 0,
    tls: { caPem: pki.ca.certPem, certPem: pki.etcdServer.certPem, keyPem: pki.etcdServer.keyPem },
    allowedClientNames: [ETCD_CLIENT_CN],
    identitySeed: createHash('sha256').update(pki.ca.certPem).digest('hex'),
    log,
  });
  return {
    name: 'pilothouse',
    endpoint: server.url,
    caFile: paths.caCert,
    certFile: paths.etcdClientCert,
    keyFile: paths.etcdClientKey,
    store,
    server,
    dir,
    paths,
    async close() {
      await server.close();
      await store.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startEtcdTarget(): Promise<Target> {
  const cluster = await EtcdCluster.start({ tls: true });
  const tls = cluster.tls;
  if (!tls) throw new Error('etcd cluster started without TLS files');
  return {
    name: 'etcd',
    endpoint: cluster.endpoints[0] ?? '',
    caFile: tls.caFile,
    certFile: tls.clientCertFile,
    keyFile: tls.clientKeyFile,
    close: () => cluster.close(),
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** etcdctl's connection flags for a target (overridable, e.g. to drop the certificate). */
export function connectionFlags(t: Pick<Target, 'endpoint' | 'caFile' | 'certFile' | 'keyFile'>): string[] {
  return ['--endpoints', t.endpoint, '--cacert', t.caFile, '--cert', t.certFile, '--key', t.keyFile];
}

function spawnEtcdctl(flags: string[], args: string[]): ChildProcess {
  return spawn('etcdctl', ['--dial-timeout', '3s', '--command-timeout', '10s', ...flags, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Run etcdctl to completion, killed after `timeoutMs`; stdin from `input`. */
export function etcdctl(
  target: Pick<Target, 'endpoint' | 'caFile' | 'certFile' | 'keyFile'>,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; flags?: string[] } = {},
): Promise<Run> {
  const child = spawnEtcdctl(opts.flags ?? connectionFlags(target), args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin?.on('error', () => undefined); // etcdctl may exit before reading all input
  child.stdin?.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`etcdctl ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 20_000} ms\n${stderr}`),
      );
    }, opts.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** etcdctl that must succeed; returns stdout. */
export async function ok(target: Target, args: string[], input?: string): Promise<string> {
  const r = await etcdctl(target, args, { input });
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The last "Error: …" line etcdctl printed (its user-facing message). */
export function errorLine(r: Run): string {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
  return lines[lines.length - 1] ?? `(no error line; exit ${r.code}) ${r.stderr}`;
}

/** Non-empty lines (etcdctl separates records with blank lines). */
export const lines = (text: string) => text.split('\n').filter((l) => l !== '');

export interface RunningEtcdctl {
  stdout(): string;
  /** Resolves true once `predicate(stdout)` holds, false after `timeoutMs` or when it exited. */
  waitFor(predicate: (stdout: string) => boolean, timeoutMs?: number): Promise<boolean>;
  /** SIGTERM (SIGKILL after 2 s); resolves with everything it printed. */
  stop(): Promise<Run>;
}

/** A long-running etcdctl (e.g. `watch`), observed as it prints. */
export function startEtcdctl(target: Target, args: string[]): RunningEtcdctl {
  const child = spawnEtcdctl(connectionFlags(target), args);
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    notify();
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
      notify();
    }),
  );
  return {
    stdout: () => stdout,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve) => {
        const check = () => {
          if (predicate(stdout)) done(true);
          else if (child.exitCode !== null || child.signalCode !== null) done(false);
        };
        const done = (result: boolean) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(result);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const hardKill = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(hardKill);
      return { code: child.exitCode, stdout, stderr };
    },
  };
}

/** The current revision, from `get -w json` of a key that needs not exist. */
export async function revisionOf(target: Target): Promise<number> {
  const out = JSON.parse(await ok(target, ['get', '/no-such-key', '-w', 'json'])) as {
    header: { revision: number };
  };
  return out.header.revision;
}
