/**
 * Store benchmark: the same etcd3-client load against the embedded store's etcd endpoint
 * (a real `pilothouse server`, engine in its own process) and against a real single-member
 * etcd with its data on the same disk (the test suite's harnesses start both) — both over
 * mutual TLS on loopback with ECDSA P-256 certificates. Prints one JSON line per figure, then a summary line.
 *
 *   npm run build && node --import tsx bench/store/run.ts [--seconds 5] [--only embedded|etcd]
 *
 * Every load loop is bounded by count and time. Traffic stays on 127.0.0.1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { startServer } from '../../e2e/support/pilothouse-server';
import { startEtcdCluster } from '../../electron/engine/store/testing/etcd-cluster';

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

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** A real `pilothouse server` (the test harness's), embedded store unless BENCH_STORE says otherwise. */
async function startEmbedded(): Promise<Target> {
  const server = await startServer({
    args: process.env.BENCH_STORE ? ['--store', process.env.BENCH_STORE] : [],
  });
  const pki = path.join(server.dataDir, 'pki');
  return {
    name: 'embedded',
    endpoint: server.etcdUrl,
    ca: server.caPath,
    cert: server.etcdCertPath ?? path.join(pki, 'etcd-client.crt'),
    key: server.etcdKeyPath ?? path.join(pki, 'etcd-client.key'),
    stop: async () => {
      await server.stop();
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's etcd, one member, mutual TLS, data in a temp dir on the same disk (the tests' harness). */
async function startEtcd(): Promise<Target> {
  const cluster = await startEtcdCluster({ members: 1, tls: true });
  const tls = cluster.tls;
  if (!tls) throw new Error('the etcd harness started without TLS');
  return {
    name: 'etcd',
    endpoint: cluster.endpoint(0),
    ca: tls.caFile,
    cert: tls.clientCertFile,
    key: tls.clientKeyFile,
    stop: () => cluster.close(),
  };
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

const embedded = await startEmbedded();
try {
  if (ONLY !== 'etcd') await measure(embedded);
} finally {
  await embedded.stop();
}
if (ONLY !== 'embedded') {
  const etcd = await startEtcd();
  try {
    await measure(etcd);
  } finally {
    await etcd.stop();
  }
}
emit({ summary: true, seconds: SECONDS, node: process.version, cpus: os.cpus().length });
