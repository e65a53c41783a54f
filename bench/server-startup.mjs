// Cold and warm start-up and shutdown of the built `pilothouse server`, on loopback only.
// Prints one JSON line per run and a summary line: {"bench":"server-startup",...}.
// Usage: node bench/server-startup.mjs [runs=5]   (after npm run build)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

const runs = Math.min(Number(process.argv[2] ?? 5), 50);
const bin = path.resolve(import.meta.dirname, '../bin/pilothouse.js');

function readyz(apiUrl, ca) {
  return new Promise((resolve, reject) => {
    https
      .get(`${apiUrl}/readyz`, { ca, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
}

async function once(dataDir) {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [bin, 'server', '--data-dir', dataDir, '--secure-port', '0', '--ui-port', '0', '--etcd-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no banner within 30 s')), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  const banner = performance.now() - t0;
  const apiUrl = /API server:\s+(\S+)/.exec(out)[1];
  const ca = readFileSync(path.join(dataDir, 'pki/ca.crt'));
  if ((await readyz(apiUrl, ca)) !== 200) throw new Error('readyz not 200');
  const ready = performance.now() - t0;
  const s0 = performance.now();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  return { bannerMs: banner, readyMs: ready, shutdownMs: performance.now() - s0 };
}

const results = { cold: [], warm: [] };
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pilothouse-bench-'));
  for (const kind of ['cold', 'warm']) {
    const r = await once(dir);
    results[kind].push(r);
    console.log(JSON.stringify({ bench: 'server-startup', kind, run: i, ...round(r) }));
  }
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = {};
for (const kind of ['cold', 'warm']) {
  for (const key of ['bannerMs', 'readyMs', 'shutdownMs'])
    summary[`${kind}_${key}_median`] = median(results[kind].map((r) => r[key]));
}
console.log(
  JSON.stringify({
    bench: 'server-startup',
    summary: round(summary),
    runs,
    node: process.version,
    cpus: os.cpus().length,
  }),
);

function round(o) {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v]),
  );
}
