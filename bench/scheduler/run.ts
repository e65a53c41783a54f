/**
 * Scheduler throughput, as kube-scheduler's scheduler_perf SchedulingBasic measures it: N Node
 * objects, then 10,000 pods created at bounded concurrency while the scheduler runs;
 * throughput is pods bound per second from the first binding to the last (bindings observed
 * through the scheduler's pod watch), p99AttemptMs the 99th percentile of scheduling-cycle
 * durations (pop → assumed). Prints one JSON line per case:
 *   {"bench":"scheduler","nodes":1000,"pods":10000,"podsPerSec":…,"p99AttemptMs":…}
 *
 *   node --import tsx --import ./bench/scheduler/raw-loader.mjs bench/scheduler/run.ts \
 *     [--nodes 1000,5000] [--pods 10000] [--prebuilt] [--same-thread] [--profile FILE]
 *
 * The control plane (API server + memory store, started like the tests' startTestCluster) runs
 * in a worker thread, and the load generator creating nodes and pods runs there too: like
 * kube-scheduler, which is its own process, the scheduler gets a core of its own while the API
 * server uses the other. --same-thread puts everything on one thread instead (how the engine
 * runs today). --prebuilt creates every pod before the scheduler starts, so that the creation
 * load is not measured. --profile FILE writes a CPU profile of the scheduler thread during the
 * measured phase (what `node --cpu-prof` records). Every loop is bounded; all traffic goes to
 * 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { startTestCluster, type TestCluster } from '../../electron/engine/apiserver/testing/cluster';
import { createScheduler } from '../../electron/engine/scheduler';
import { InformerFactory } from '../../electron/kube/informer';
import { SILENT } from '../../electron/kube/log';
import { R } from '../../electron/kube/resources';
import { adminClient } from '../../electron/kube/testing';
import type { KubeClient } from '../../electron/kube/types';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const NODE_COUNTS = arg('nodes', '1000,5000')
  .split(',')
  .map((n) => Math.min(Number(n), 20_000));
const PODS = Math.min(Number(arg('pods', '10000')), 50_000);
const PREBUILT = args.includes('--prebuilt');
const SAME_THREAD = args.includes('--same-thread');
const PROFILE = arg('profile', '');
const CREATE_CONCURRENCY = 64;
const ZONES = 10;
const TIMEOUT_MS = 300_000;

/** CPU time (ms) of this process's main thread, from /proc: the scheduler's own share. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;

function node(i: number): Node {
  const name = `node-${i}`;
  const res = { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '200Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': `zone-${i % ZONES}`,
      },
    },
    spec: {},
    status: {
      capacity: res,
      allocatable: res,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    },
  };
}

/** scheduler_perf's default pod: one pause container asking for 100m cpu and 500Mi memory. */
function pod(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: 'bench' } },
    spec: {
      containers: [
        {
          name: 'pause',
          image: 'registry.k8s.io/pause:3.9',
          resources: { requests: { cpu: '100m', memory: '500Mi' } },
        },
      ],
    },
  };
}

/** Runs `fn` for 0..count-1 with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const createNodes = (client: KubeClient, n: number) =>
  pool(n, CREATE_CONCURRENCY, (i) => client.resource<Node>(R.nodes).create('', node(i)));
const createPods = (client: KubeClient, n: number) =>
  pool(n, CREATE_CONCURRENCY, (i) => client.resource<Pod>(R.pods).create('default', pod(i)));

/** The control plane and load generator: here, or in a worker thread. */
interface Backend {
  apiUrl: string;
  dataDir: string;
  createNodes(n: number): Promise<void>;
  createPods(n: number): Promise<void>;
  stop(): Promise<void>;
}

type Call = { op: 'createNodes' | 'createPods'; n: number } | { op: 'stop' };
type Request = Call & { id: number };

async function sameThreadBackend(): Promise<Backend> {
  const cluster = await startTestCluster({ controllers: false });
  const client = await adminClient(cluster);
  return {
    apiUrl: cluster.apiUrl,
    dataDir: cluster.dataDir,
    createNodes: (n) => createNodes(client, n),
    createPods: (n) => createPods(client, n),
    async stop() {
      client.close();
      await cluster.stop();
    },
  };
}

async function workerBackend(): Promise<Backend> {
  const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
    workerData: { role: 'apiserver', entry: import.meta.url, profile: PROFILE },
    execArgv: [],
  });
  let nextId = 0;
  const pending = new Map<number, (v: unknown) => void>();
  const ready = new Promise<{ apiUrl: string; dataDir: string }>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { id?: number; apiUrl?: string; dataDir?: string }) => {
      if (m.id === undefined) resolve(m as { apiUrl: string; dataDir: string });
      else pending.get(m.id)?.(m);
    });
  });
  const call = (req: Call) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ ...req, id });
    });
  const info = await ready;
  return {
    ...info,
    createNodes: async (n) => void (await call({ op: 'createNodes', n })),
    createPods: async (n) => void (await call({ op: 'createPods', n })),
    async stop() {
      await call({ op: 'stop' });
      await worker.terminate();
    },
  };
}

/** The worker's side: start the control plane, then serve the main thread's requests. */
async function serveWorker(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const cluster: TestCluster = await startTestCluster({ controllers: false });
  const client = await adminClient(cluster);
  // --profile: the API server thread is profiled too, from the pods' creation to the stop.
  const profile = (workerData as { profile?: string }).profile ?? '';
  const profiler = profile ? new Session() : null;
  port.on('message', (req: Request) => {
    if (req.op === 'createPods') void startProfile(profiler);
    if (req.op === 'stop' && profiler)
      void profiler.post('Profiler.stop').then(({ profile: p }) => {
        writeFileSync(`${profile}-apiserver.cpuprofile`, JSON.stringify(p));
      });
    const work =
      req.op === 'createNodes'
        ? createNodes(client, req.n)
        : req.op === 'createPods'
          ? createPods(client, req.n)
          : (async () => {
              client.close();
              await cluster.stop();
            })();
    void work.then(() => port.postMessage({ id: req.id }));
  });
  port.postMessage({ apiUrl: cluster.apiUrl, dataDir: cluster.dataDir });
}

async function runCase(nodes: number): Promise<void> {
  const backend = SAME_THREAD ? await sameThreadBackend() : await workerBackend();
  const client = await adminClient(backend);
  try {
    await backend.createNodes(nodes);
    const informers = new InformerFactory(client, SILENT);
    const scheduler = createScheduler({ client, informers, log: SILENT });
    const bound: number[] = [];
    let done: () => void = () => undefined;
    const allBound = new Promise<void>((resolve) => (done = resolve));
    informers.informer<Pod>(R.pods).addHandlers({
      onUpdate(oldPod, newPod) {
        if (!oldPod.spec?.nodeName && newPod.spec?.nodeName) {
          bound.push(performance.now());
          if (bound.length === PODS) done();
        }
      },
    });
    const profiler = PROFILE ? new Session() : null;
    let created: Promise<void>;
    let cpuStart = 0;
    if (PREBUILT) {
      informers.start();
      await backend.createPods(PODS);
      await waitUntil(() => scheduler.queue.stats().active === PODS, 60_000);
      await startProfile(profiler);
      cpuStart = mainThreadCpuMs();
      await scheduler.start();
      created = Promise.resolve();
    } else {
      await scheduler.start();
      await startProfile(profiler);
      cpuStart = mainThreadCpuMs();
      created = backend.createPods(PODS);
    }
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`not all pods bound within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref(),
    );
    await Promise.race([Promise.all([created, allBound]), timeout]);
    const cpuMs = mainThreadCpuMs() - cpuStart;
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(`${PROFILE}-${nodes}.cpuprofile`, JSON.stringify(profile));
      profiler.disconnect();
    }
    const first = bound[0] ?? 0;
    const last = bound[bound.length - 1] ?? 0;
    const attempts = [...scheduler.metrics.attemptMs].sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'scheduler',
        nodes,
        pods: PODS,
        podsPerSec: round((bound.length - 1) / ((last - first) / 1000)),
        p99AttemptMs: round(pct(attempts, 99)),
        p50AttemptMs: round(pct(attempts, 50)),
        // The scheduler thread's CPU per pod: what throughput would be with a core to itself.
        schedulerCpuMsPerPod: round(cpuMs / PODS),
        loadAvg: round(os.loadavg()[0] ?? NaN),
        mode: `${SAME_THREAD ? 'same-thread' : 'apiserver-worker'},${PREBUILT ? 'prebuilt' : 'concurrent-create'}`,
      })}\n`,
    );
    await scheduler.stop();
    await informers.stop();
  } finally {
    client.close();
    await backend.stop();
  }
}

async function startProfile(s: Session | null): Promise<void> {
  if (!s) return;
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main() {
  for (const n of NODE_COUNTS) await runCase(n);
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'apiserver') {
  void serveWorker();
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
