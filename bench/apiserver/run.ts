/**
 * API server benchmark against a real `pilothouse server` (embedded store, engine in its own
 * process), as the cluster admin over TLS with client certificates, like kubectl:
 * - 50 concurrent clients creating, updating and reading pods: writes/s and p50/p99 latency;
 * - LIST of 10,000 pods (full objects, JSON) served from the watch cache;
 * - 100 watchers on pods: delay from an update's request to its event at every watcher.
 * Prints one JSON line per figure, with the ratio to Kubernetes' published SLOs (p99 ≤ 1 s for
 * mutating and single-object calls, ≤ 30 s for cluster-wide LIST) where one applies.
 *
 *   npm run build && node --import tsx bench/apiserver/run.ts [--seconds 10] [--pods 10000]
 *
 * Every loop is bounded by count and time; all traffic goes to 127.0.0.1.
 */
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { startServer } from '../../e2e/support/pilothouse-server';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const SECONDS = Math.min(Number(arg('seconds', '10')), 60);
const LIST_PODS = Math.min(Number(arg('pods', '10000')), 50_000);
const CLIENTS = 50;
const WATCHERS = 100;

function emit(obj: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify({ bench: 'apiserver', ...obj })}\n`);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;

function pod(ns: string, name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'bench', shard: String(name.length % 7) } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox:1.36',
          command: ['sleep', '3600'],
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
          ports: [{ containerPort: 8080 }],
        },
      ],
    },
  };
}

async function main() {
  const server = await startServer({
    // The API server alone, as before the components existed (they would add their own load).
    args: ['--log-level', 'warn', '--disable-scheduler', '--disable-controller-manager'],
  });
  const pki = path.join(server.dataDir, 'pki');
  const read = (f: string) => fs.readFileSync(path.join(pki, f));
  const agent = new https.Agent({
    ca: read('ca.crt'),
    cert: read('admin.crt'),
    key: read('admin.key'),
    keepAlive: true,
    maxSockets: 256,
  });
  const base = new URL(server.apiUrl);

  function call(method: string, p: string, body?: unknown): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        {
          host: base.hostname,
          port: base.port,
          method,
          path: p,
          agent,
          headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  const ok = async (method: string, p: string, body?: unknown) => {
    const r = await call(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`);
    return r;
  };

  for (const ns of ['bench-rw', 'bench-list', 'bench-watch']) {
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }

  // 1. 50 clients: create, then update, then get — each phase bounded by time and count.
  async function phase(name: string, work: (client: number, i: number) => Promise<void>, maxOps: number) {
    const latencies: number[] = [];
    let next = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        while (Date.now() < deadline && next < maxOps) {
          const i = next++;
          const t0 = performance.now();
          await work(client, i);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const p99 = pct(latencies, 99);
    emit({
      figure: `${name}`,
      clients: CLIENTS,
      ops: latencies.length,
      perSecond: round(latencies.length / elapsed),
      p50Ms: round(pct(latencies, 50)),
      p99Ms: round(p99),
      sloP99Ms: 1000,
      ratioToSlo: round(p99 / 1000),
    });
    return latencies.length;
  }

  const created: { name: string; rv: string }[] = [];
  const createdCount = await phase(
    'create pods',
    async (_c, i) => {
      const r = await ok('POST', '/api/v1/namespaces/bench-rw/pods', pod('bench-rw', `p-${i}`));
      created[i] = {
        name: `p-${i}`,
        rv: (JSON.parse(r.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      };
    },
    200_000,
  );
  await phase(
    'update pods (PUT with resourceVersion)',
    async (_c, i) => {
      const target = created[i % createdCount];
      if (!target) return;
      const r = await call('PUT', `/api/v1/namespaces/bench-rw/pods/${target.name}`, {
        ...pod('bench-rw', target.name),
        metadata: {
          ...pod('bench-rw', target.name).metadata,
          resourceVersion: target.rv,
          annotations: { round: String(i) },
        },
      });
      if (r.status === 200)
        target.rv = (
          JSON.parse(r.text) as { metadata: { resourceVersion: string } }
        ).metadata.resourceVersion;
      else if (r.status !== 409) throw new Error(`update: ${r.status} ${r.text.slice(0, 200)}`);
    },
    createdCount,
  );
  await phase(
    'get pod',
    async (_c, i) => {
      await ok('GET', `/api/v1/namespaces/bench-rw/pods/${created[i % createdCount]?.name ?? 'p-0'}`);
    },
    500_000,
  );

  // 2. LIST of LIST_PODS full pods from the watch cache.
  let made = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (made < LIST_PODS) {
        const i = made++;
        await ok(
          'POST',
          '/api/v1/namespaces/bench-list/pods',
          pod('bench-list', `l-${String(i).padStart(6, '0')}`),
        );
      }
    }),
  );
  for (const rv of ['', '0']) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await ok('GET', `/api/v1/namespaces/bench-list/pods${rv ? `?resourceVersion=${rv}` : ''}`);
      times.push(performance.now() - t0);
      bytes = r.text.length;
      const items = (JSON.parse(r.text) as { items: unknown[] }).items.length;
      if (items !== LIST_PODS) throw new Error(`listed ${items} pods, expected ${LIST_PODS}`);
    }
    times.sort((a, b) => a - b);
    emit({
      figure: `list ${LIST_PODS} pods${rv ? ' resourceVersion=0' : ' (consistent)'}`,
      medianMs: round(pct(times, 50)),
      minMs: round(times[0] ?? NaN),
      megabytes: round(bytes / 1e6),
      sloMs: 30_000,
      ratioToSlo: round(pct(times, 50) / 30_000),
    });
  }

  // 3. 100 watchers; 200 updates; latency from each update's send to its arrival at each watcher.
  await ok('POST', '/api/v1/namespaces/bench-watch/pods', pod('bench-watch', 'w'));
  const sentAt = new Map<string, number>();
  const delays: number[] = [];
  const UPDATES = 200;
  const rv0 = (
    JSON.parse((await ok('GET', '/api/v1/namespaces/bench-watch/pods')).text) as {
      metadata: { resourceVersion: string };
    }
  ).metadata.resourceVersion;
  const watchers = await Promise.all(
    Array.from(
      { length: WATCHERS },
      () =>
        new Promise<http.ClientRequest>((resolve, reject) => {
          const req = https.request(
            {
              host: base.hostname,
              port: base.port,
              path: `/api/v1/namespaces/bench-watch/pods?watch=true&resourceVersion=${rv0}&timeoutSeconds=120`,
              agent: new https.Agent({ ca: read('ca.crt'), cert: read('admin.crt'), key: read('admin.key') }),
            },
            (res) => {
              let buf = '';
              res.on('data', (c: Buffer) => {
                const now = performance.now();
                buf += c.toString();
                let nl;
                while ((nl = buf.indexOf('\n')) >= 0) {
                  const line = buf.slice(0, nl);
                  buf = buf.slice(nl + 1);
                  const round = /"round":"(\d+)"/.exec(line)?.[1];
                  const t = round ? sentAt.get(round) : undefined;
                  if (t !== undefined) delays.push(now - t);
                }
              });
              resolve(req);
            },
          );
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  for (let i = 0; i < UPDATES; i++) {
    sentAt.set(String(i), performance.now());
    await new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ metadata: { annotations: { round: String(i) } } });
      const req = https.request(
        {
          host: base.hostname,
          port: base.port,
          method: 'PATCH',
          path: '/api/v1/namespaces/bench-watch/pods/w',
          agent,
          headers: { 'content-type': 'application/merge-patch+json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const w of watchers) w.destroy();
  delays.sort((a, b) => a - b);
  emit({
    figure: `watch event delay, ${WATCHERS} watchers`,
    events: delays.length,
    expected: WATCHERS * UPDATES,
    p50Ms: round(pct(delays, 50)),
    p99Ms: round(pct(delays, 99)),
  });

  agent.destroy();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
