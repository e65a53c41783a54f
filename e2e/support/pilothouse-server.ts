/**
 * Starts the built `pilothouse server` as a real child process for integration and end-to-end
 * tests, on free ports and a fresh data dir, and parses what it prints at start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/pilothouse.js');

/** Flags that put every listener of `pilothouse server` on a free port. */
export const FREE_PORTS = ['--secure-port', '0', '--ui-port', '0', '--etcd-port', '0'];

export function assertBuilt(): void {
  if (
    !existsSync(path.join(ROOT, 'out/main/cli.js')) ||
    !existsSync(path.join(ROOT, 'out/renderer/index.html'))
  ) {
    throw new Error('Pilothouse is not built: run `npm run build` before the integration tests');
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the CLI to completion (bounded by `timeoutMs`). `prefix` runs it under another command,
 * e.g. ['unshare', '--mount', 'sh', '-c', '…', 'sh'].
 */
export function runCli(
  args: string[],
  opts: { timeoutMs?: number; prefix?: string[] } = {},
): Promise<CliResult> {
  const argv = [...(opts.prefix ?? []), process.execPath, BIN, ...args];
  const child = spawn(argv[0] ?? process.execPath, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `pilothouse ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 20_000} ms\n${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningServer {
  child: ChildProcess;
  dataDir: string;
  apiUrl: string;
  uiUrl: string;
  loginUrl: string;
  token: string;
  kubeconfig: string;
  caPath: string;
  caPem: string;
  /** The etcd endpoint from the banner, and the client pair it prints (embedded and memory stores). */
  etcdUrl: string;
  etcdCertPath: string | null;
  etcdKeyPath: string | null;
  stdout(): string;
  stderr(): string;
  /** SIGINT, then wait for exit; returns the exit code and how long it took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'pilothouse-test-'));
}

/** Start `pilothouse server` and wait for its banner. Extra flags go after the defaults. */
export async function startServer(
  opts: { dataDir?: string; args?: string[]; timeoutMs?: number } = {},
): Promise<RunningServer> {
  assertBuilt();
  const dataDir = opts.dataDir ?? tempDataDir();
  const child = spawn(
    process.execPath,
    [BIN, 'server', '--data-dir', dataDir, ...FREE_PORTS, ...(opts.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      if (signal) process.stderr.write(`[harness] pilothouse server ended by ${signal}\n${stderr}\n`);
      resolve(code);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`pilothouse server printed no banner within ${opts.timeoutMs ?? 20_000} ms\n${stderr}`),
      );
    }, opts.timeoutMs ?? 20_000);
    const onData = () => {
      if (stdout.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pilothouse server exited with ${code} before it was ready\n${stderr}`));
    });
  });

  const optionalField = (label: string) =>
    new RegExp(`^\\s+${label}:\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? null;
  const field = (label: string) => {
    const value = optionalField(label);
    if (!value) throw new Error(`banner has no ${label}:\n${stdout}`);
    return value;
  };
  const loginUrl = field('UI');
  const url = new URL(loginUrl);
  const token = url.searchParams.get('token') ?? '';
  const caPath = field('CA');
  return {
    child,
    dataDir,
    apiUrl: field('API server'),
    uiUrl: `${url.origin}/`,
    loginUrl,
    token,
    kubeconfig: field('kubeconfig'),
    caPath,
    caPem: await fs.readFile(caPath, 'utf8'),
    etcdUrl: field('etcd'),
    etcdCertPath: optionalField('etcd cert'),
    etcdKeyPath: optionalField('etcd key'),
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      const started = performance.now();
      if (child.exitCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return { code, ms: performance.now() - started };
    },
  };
}
