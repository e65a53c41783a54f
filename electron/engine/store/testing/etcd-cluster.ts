/**
 * Real etcd for tests: Debian's `etcd` (etcd-server 3.4) as 1 or 3 members on free loopback
 * ports, each with a private data dir under one temp root. Members can be stopped, killed and
 * started again individually; `close()` (and, as a backstop, process exit) kills every member
 * and removes the temp root. Traffic stays on 127.0.0.1.
 *
 * Readiness is the member's own "serving client traffic (in)securely" log line, which etcd 3.4
 * (zap logger) prints once the member has published itself to a cluster with a quorum
 * (embed/serve.go, after ReadyNotify), so a member restarted while the cluster has no quorum
 * only becomes ready when quorum returns.
 * Every wait is bounded; a member that exits or misses its deadline fails with its log tail.
 *
 * Peers always talk plain HTTP on loopback; `tls: true` puts the client endpoints on HTTPS with
 * client-certificate authentication (--client-cert-auth), the setup the etcd backend meets in
 * production.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freeLoopbackPorts } from './ports';
import { writeTestTlsFiles, type TlsFiles } from './tls-files';

export interface EtcdClusterOptions {
  members?: 1 | 3;
  /** HTTPS client endpoints with client-certificate auth; files in `cluster.tls`. */
  tls?: boolean;
  /** Bound on one member start, or on the whole cluster's first start (default 20 s). */
  startTimeoutMs?: number;
  /** Extra etcd flags for every member, e.g. ['--election-timeout=500']. */
  extraArgs?: string[];
  /** The etcd binary (default $ETCD_BIN or `etcd` on PATH). */
  binary?: string;
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  child: ChildProcess | null;
  /** Resolves when the current child has exited. */
  exited: Promise<void>;
  /** Last log lines, for error messages. */
  log: string[];
}

const LOG_LINES_KEPT = 60;
const READY_LINE = '"msg":"serving client traffic';
const live = new Set<EtcdCluster>();
let exitHookInstalled = false;

/** Whether util-linux setpriv can tie each member's life to ours (SIGKILL when the test process dies). */
const hasSetpriv = spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;

export class EtcdCluster {
  private closed = false;

  private constructor(
    private readonly root: string,
    private readonly members: Member[],
    private readonly args: { binary: string; extraArgs: string[]; startTimeoutMs: number; token: string },
    /** Client TLS material when started with `tls: true`. */
    readonly tls: TlsFiles | undefined,
  ) {}

  static async start(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    // A port taken between our probe and etcd's bind fails the start; fresh ports fix it.
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdCluster.startOnce(opts);
      } catch (err) {
        if (attempt >= 3 || !String(err).includes('address already in use')) throw err;
      }
    }
  }

  private static async startOnce(opts: EtcdClusterOptions): Promise<EtcdCluster> {
    const count = opts.members ?? 1;
    const root = await mkdtemp(join(tmpdir(), 'pilothouse-etcd-'));
    const ports = await freeLoopbackPorts(count * 2);
    const members: Member[] = Array.from({ length: count }, (_, i) => ({
      name: `m${i}`,
      clientPort: ports[2 * i] as number,
      peerPort: ports[2 * i + 1] as number,
      dataDir: join(root, `m${i}`),
      child: null,
      exited: Promise.resolve(),
      log: [],
    }));
    const tls = opts.tls ? await writeTestTlsFiles(join(root, 'pki')) : undefined;
    const cluster = new EtcdCluster(
      root,
      members,
      {
        binary: opts.binary ?? process.env.ETCD_BIN ?? 'etcd',
        extraArgs: opts.extraArgs ?? [],
        startTimeoutMs: opts.startTimeoutMs ?? 20_000,
        token: `pilothouse-test-${randomBytes(6).toString('hex')}`,
      },
      tls,
    );
    registerForExit(cluster);
    try {
      await Promise.all(members.map((_, i) => cluster.start(i)));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Client URLs of every member, running or not. */
  get endpoints(): string[] {
    return this.members.map((_, i) => this.endpoint(i));
  }

  endpoint(i: number): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.member(i).clientPort}`;
  }

  get size(): number {
    return this.members.length;
  }

  isRunning(i: number): boolean {
    return this.member(i).child !== null;
  }

  /** The member's last log lines (etcd's zap JSON). */
  logTail(i: number): string {
    return this.member(i).log.join('\n');
  }

  /**
   * Start (or restart, on its existing data) member `i`; resolves once it serves clients, which
   * needs a quorum of members running. `waitReady: false` returns as soon as it is spawned.
   */
  async start(i: number, { waitReady = true } = {}): Promise<void> {
    if (this.closed) throw new Error('the etcd test cluster is closed');
    const m = this.member(i);
    if (m.child) throw new Error(`etcd member ${m.name} is already running`);
    const argv = [...this.memberArgs(m), ...this.args.extraArgs];
    const child = hasSetpriv
      ? spawn('setpriv', ['--pdeathsig', 'KILL', this.args.binary, ...argv], {
          stdio: ['ignore', 'ignore', 'pipe'],
        })
      : spawn(this.args.binary, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    m.child = child;
    m.log = [];
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      m.log.push(line);
      if (m.log.length > LOG_LINES_KEPT) m.log.shift();
      if (line.includes(READY_LINE)) onReady();
    });
    m.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        if (m.child === child) m.child = null;
        resolve();
      });
      child.once('error', (err) => {
        m.log.push(`spawn failed: ${err.message}`);
        if (m.child === child) m.child = null;
        resolve();
      });
    });
    if (!waitReady) return;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      m.exited.then(() => 'exited' as const),
      new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), this.args.startTimeoutMs)),
      ),
    ]);
    clearTimeout(timer);
    if (outcome === 'ready') return;
    const why =
      outcome === 'exited' ? 'exited during start' : `not ready within ${this.args.startTimeoutMs} ms`;
    throw new Error(`etcd member ${m.name} ${why}; last log lines:\n${this.logTail(i)}`);
  }

  /** Stop member `i` (SIGTERM, then SIGKILL after `timeoutMs`); resolves once it has exited. */
  async stop(i: number, { signal = 'SIGTERM' as NodeJS.Signals, timeoutMs = 10_000 } = {}): Promise<void> {
    const m = this.member(i);
    const child = m.child;
    if (!child) return;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      m.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!exited) {
      child.kill('SIGKILL');
      await m.exited;
    }
  }

  /** kill -9: no graceful shutdown, like a crashed host. */
  kill(i: number): Promise<void> {
    return this.stop(i, { signal: 'SIGKILL' });
  }

  /** Kill every member and remove the data dirs. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.members.map((_, i) => this.kill(i)));
    live.delete(this);
    await rm(this.root, { recursive: true, force: true });
  }

  /** Synchronous teardown for process exit. */
  killNow(): void {
    for (const m of this.members) m.child?.kill('SIGKILL');
    rmSync(this.root, { recursive: true, force: true });
  }

  private member(i: number): Member {
    const m = this.members[i];
    if (!m) throw new Error(`no etcd member ${i} (cluster has ${this.members.length})`);
    return m;
  }

  private memberArgs(m: Member): string[] {
    const scheme = this.tls ? 'https' : 'http';
    const clientUrl = `${scheme}://127.0.0.1:${m.clientPort}`;
    const initialCluster = this.members.map((p) => `${p.name}=http://127.0.0.1:${p.peerPort}`).join(',');
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${this.args.token}`,
      '--logger=zap',
      '--log-outputs=stderr',
    ];
    if (this.tls) {
      args.push(
        `--cert-file=${this.tls.serverCertFile}`,
        `--key-file=${this.tls.serverKeyFile}`,
        `--trusted-ca-file=${this.tls.caFile}`,
        '--client-cert-auth',
      );
    }
    return args;
  }
}

export function startEtcdCluster(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  return EtcdCluster.start(opts);
}

function registerForExit(cluster: EtcdCluster): void {
  live.add(cluster);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.killNow();
  });
}
