/**
 * Store benchmark: the same etcd3-client load against the embedded store's etcd endpoint
 * (a real `pilothouse server`, engine in its own process) and against a real single-member
 * etcd with its data on the same disk — both over mutual TLS on loopback, with certificates
 * from the same CA. Prints one JSON line per figure, then a summary line.
 *
 *   npm run build && node --import tsx bench/store/run.ts [--seconds 5] [--only embedded|etcd]
 *
 * Every load loop is bounded by count and time. Traffic stays on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';

const ROOT = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const SECONDS = Math.min(Number(arg('seconds', '5')), 60);
const ONLY = arg('only', 'both');
const VALUE = Buffer.alloc(256, 0x61);

interface Target {
  name: 'embedded' | 'etcd';
  endpoint: string;
  ca: string;
  cert: string;
  key: string;
  stop(): Promise<void>;
}

function emit(obj: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify({ bench: 'store', ...obj })}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** A real `pilothouse server` with the embedded store; its banner names the etcd endpoint. */
async function startEmbedded(dataDir: string): Promise<Target> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/pilothouse.js'),
      'server',
      '--data-dir',
      dataDir,
      '--secure-port',
      '0',
      '--ui-port',
      '0',
      '--etcd-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`pilothouse server exited ${code}`)));
  });
  const endpoint = /(https:\/\/127\.0\.0\.1:\d+)/.exec(
    out.split('\n').find((l) => /etcd/i.test(l)) ?? '',
  )?.[1];
  if (!endpoint) throw new Error(`no etcd endpoint in the banner:\n${out}`);
  const pki = path.join(dataDir, 'pki');
  return {
    name: 'embedded',
    endpoint,
    ca: path.join(pki, 'ca.crt'),
    cert: path.join(pki, 'etcd-client.crt'),
    key: path.join(pki, 'etcd-client.key'),
    stop: () => stopChild(child),
  };
}

/** Debian's etcd, one member, TLS with the same CA's certificates, data on the same disk. */
async function startEtcd(pkiDir: string): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `https://127.0.0.1:${client}`;
  const child = spawn(
    'etcd',
    [
      '--name',
      'bench',
      '--data-dir',
      dir,
      '--listen-client-urls',
      endpoint,
      '--advertise-client-urls',
      endpoint,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `bench=http://127.0.0.1:${peer}`,
      '--cert-file',
      path.join(pkiDir, 'etcd-server.crt'),
      '--key-file',
      path.join(pkiDir, 'etcd-server.key'),
      '--trusted-ca-file',
      path.join(pkiDir, 'ca.crt'),
      '--client-cert-auth',
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const target: Target = {
    name: 'etcd',
    endpoint,
    ca: path.join(pkiDir, 'ca.crt'),
    cert: path.join(pkiDir, 'etcd-client.crt'),
    key: path.join(pkiDir, 'etcd-client.key'),
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const probe = connect(target);
  await waitFor('etcd', async () => (await probe.get('probe').string(), true));
  probe.close();
  return target;
}

function connect(t: Target): Etcd3 {
  return new Etcd3({
    hosts: t.endpoint,
    credentials: {
      rootCertificate: fs.readFileSync(t.ca),
      certChain: fs.readFileSync(t.cert),
      privateKey: fs.readFileSync(t.key),
    },
  });
}

/** Run `op` with `concurrency` workers for SECONDS (and at most maxOps); ops per second. */
async function load(
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  maxOps = 2_000_000,
): Promise<number> {
  let done = 0;
  let next = 0;
  const end = Date.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end && next < maxOps) {
        await op(next++);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function measure(t: Target) {
  const client = connect(t);
  const kv = (i: number) => `bench/${t.name}/${String(i % 10_000).padStart(5, '0')}`;
  try {
    // Warm-up, not measured: creates the 10,000 keys and lets both sides reach steady state.
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => client.put(kv(i)).value(VALUE).exec()));
    for (const c of [1, 64]) {
      const puts = await load(c, (i) => client.put(kv(i)).value(VALUE).exec());
      emit({ target: t.name, figure: 'put_per_s', concurrency: c, value: Math.round(puts) });
    }
    for (const c of [1, 64]) {
      const ranges = await load(c, (i) => client.get(kv(i)).exec());
      emit({ target: t.name, figure: 'range_per_s', concurrency: c, value: Math.round(ranges) });
    }
    for (const c of [1, 64]) {
      const txns = await load(c, (i) =>
        client
          .if(kv(i), 'Version', '>', 0)
          .then(client.put(kv(i)).value(VALUE))
          .else(client.put(kv(i)).value(VALUE))
          .commit(),
      );
      emit({ target: t.name, figure: 'txn_per_s', concurrency: c, value: Math.round(txns) });
    }

    // Watch latency: a watcher on a prefix, puts carrying their send time, 2,000 samples max.
    const latencies: number[] = [];
    const watcher = await client.watch().prefix(`bench/${t.name}/watch/`).create();
    const sent = new Map<string, number>();
    watcher.on('put', (ev) => {
      const at = sent.get(ev.key.toString());
      if (at !== undefined) latencies.push(performance.now() - at);
    });
    const samples = Math.min(2000, SECONDS * 400);
    for (let i = 0; i < samples; i++) {
      const key = `bench/${t.name}/watch/${i}`;
      sent.set(key, performance.now());
      await client.put(key).value(VALUE).exec();
    }
    await waitFor('watch events', () => Promise.resolve(latencies.length >= samples), 10_000).catch(
      () => undefined,
    );
    await watcher.cancel();
    emit({
      target: t.name,
      figure: 'watch_latency_ms',
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      samples: latencies.length,
    });

    // A 10,000-key prefix range, keys only (the keys above).
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const keys = await client.getAll().prefix(`bench/${t.name}/0`).keys();
      times.push(performance.now() - t0);
      if (keys.length === 0) throw new Error('prefix range returned nothing');
    }
    emit({
      target: t.name,
      figure: 'range_10k_keys_only_ms',
      p50: round(percentile(times, 50)),
      max: round(Math.max(...times)),
    });
  } finally {
    client.close();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pilothouse-'));
const embedded = await startEmbedded(dataDir);
try {
  if (ONLY !== 'etcd') await measure(embedded);
  if (ONLY !== 'embedded') {
    const etcd = await startEtcd(path.join(dataDir, 'pki'));
    try {
      await measure(etcd);
    } finally {
      await etcd.stop();
    }
  }
} finally {
  await embedded.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
emit({ summary: true, seconds: SECONDS, node: process.version, cpus: os.cpus().length });
