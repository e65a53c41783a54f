/**
 * Whole-cluster benchmark: a real `pilothouse server` (embedded store; engine — store, API
 * server, scheduler, controllers — in its own process) with N simulated nodes run by this
 * process, then a Deployment of P replicas: the time from creating it until every pod is
 * Running (end to end: ReplicaSet controller creates, scheduler binds, simulated kubelets report
 * Running), and the engine process's memory (RSS) with that cluster in place.
 *
 *   npm run build && node --import tsx bench/cluster/run.ts [--nodes 1000] [--pods 10000]
 *
 * Prints one JSON line per figure. Targets (issue 5): all Running in < 30 s for 10,000 replicas
 * on 1,000 nodes; engine RSS ≤ 400 MB. Every wait is bounded; all traffic goes to 127.0.0.1.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { Pod } from 'kubernetes-types/core/v1';
import { startServer } from '../../e2e/support/pilothouse-server';
import { Informer } from '../../electron/kube/informer';
import { SILENT } from '../../electron/kube/log';
import { R } from '../../electron/kube/resources';
import { startSimNodes } from '../../electron/sim/nodes';
import { adminClient } from '../../electron/kube/testing';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const NODES = Math.min(Number(arg('nodes', '1000')), 5000);
const PODS = Math.min(Number(arg('pods', '10000')), 50_000);
const TIMEOUT_MS = Math.min(Number(arg('timeout', '300')), 900) * 1000;

function emit(obj: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify({ bench: 'cluster', nodes: NODES, pods: PODS, ...obj })}\n`);
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryMb(pid: number): { rssMb: number; peakRssMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = TIMEOUT_MS): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  // A /24 per node: the default 10.42.0.0/16 holds 256 nodes; a /12 holds 4,096.
  const server = await startServer({
    args: ['--log-level', 'warn', '--cluster-cidr', '10.32.0.0/12'],
    timeoutMs: 60_000,
  });
  const enginePid = Number(
    execFileSync('pgrep', ['-P', String(server.child.pid)])
      .toString()
      .trim()
      .split('\n')[0],
  );
  const client = await adminClient(server);
  try {
    emit({ figure: 'engine memory, empty cluster', ...memoryMb(enginePid) });

    let started = Date.now();
    const sim = await startSimNodes({
      client: await adminClient(server),
      count: NODES,
      namePrefix: 'bench-',
    });
    emit({ figure: 'nodes registered', seconds: (Date.now() - started) / 1000 });

    // Count Running pods from a watch, as a dashboard would.
    const pods = new Informer<Pod>(
      client,
      R.pods,
      { namespace: 'default', labelSelector: 'app=bench' },
      SILENT,
    );
    let running = 0;
    let bound = 0;
    let firstBound = 0;
    let lastBound = 0;
    const isRunning = (p: Pod) => p.status?.phase === 'Running';
    pods.addHandlers({
      onAdd: (p) => {
        if (isRunning(p)) running++;
        if (p.spec?.nodeName) bound++;
      },
      onUpdate: (o, p) => {
        running += Number(isRunning(p)) - Number(isRunning(o));
        if (!o.spec?.nodeName && p.spec?.nodeName) {
          bound++;
          lastBound = Date.now();
          firstBound ||= lastBound;
        }
      },
      onDelete: (p) => {
        if (isRunning(p)) running--;
      },
    });
    pods.start();
    await pods.waitForSync();

    started = Date.now();
    await client.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench' },
      spec: {
        replicas: PODS,
        selector: { matchLabels: { app: 'bench' } },
        template: {
          metadata: { labels: { app: 'bench' } },
          spec: {
            containers: [
              { name: 'app', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } },
            ],
          },
        },
      },
    });
    let lastReport = 0;
    await until('all pods Running', () => {
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        process.stderr.write(
          `[cluster] ${pods.size} pods, ${bound} bound, ${running} running after ${(Date.now() - started) / 1000}s\n`,
        );
      }
      return running >= PODS ? true : undefined;
    });
    const seconds = (Date.now() - started) / 1000;
    emit({ figure: 'deployment all Running', seconds, target: 30, met: seconds < 30 });
    emit({
      figure: 'scheduling throughput during the rollout',
      podsPerSec: Math.round(bound / Math.max(0.001, (lastBound - firstBound) / 1000)),
    });
    // Let the controllers settle (status updates, events) before reading memory.
    await new Promise((r) => setTimeout(r, 5000));
    const mem = memoryMb(enginePid);
    emit({ figure: 'engine memory with the cluster', ...mem, target: 400, met: mem.rssMb <= 400 });
    await pods.stop();
    await sim.stop();
  } finally {
    client.close();
    await server.stop();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
  process.exit(1);
});
