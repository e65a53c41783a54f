/**
 * In-process micro-benchmark of the scheduler framework and its default plugins: schedulePod
 * (PreFilter, Filter over the adaptive share of nodes — 420 of 1,000 — PreScore, Score,
 * selectHost) for N pods over M synthetic nodes, each decision then applied to the node's
 * NodeInfo as the cache would assume it. No API server, no binding: this is the plugins' cost
 * only. Prints one JSON line {bench:'scheduler-plugins', podsPerSec, …}.
 *
 *   node --import tsx bench/scheduler/plugins.ts [--nodes 1000] [--pods 10000] [--mix plain|spread]
 *
 * `plain`: pods of 100 ReplicaSets with cpu/memory requests (system default spreading applies).
 * `spread`: every tenth pod also has a zone topology spread constraint and a preferred
 * anti-affinity term, to show the cost of those plugins.
 * Bounded: at most 100,000 pods and 10,000 nodes, and it stops after 120 s.
 */
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1';
import { newPodInfo } from '../../electron/engine/scheduler/framework/pod-info';
import { Framework } from '../../electron/engine/scheduler/framework/runtime';
import { schedulePod, type SearchState } from '../../electron/engine/scheduler/framework/schedule-one';
import { snapshotOf } from '../../electron/engine/scheduler/framework/snapshot';
import { makeNode, makePod } from '../../electron/engine/scheduler/framework/testing';
import {
  defaultProfile,
  inTreeRegistry,
  onlyRegistered,
} from '../../electron/engine/scheduler/plugins/registry';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const NODES = Math.min(Number(arg('nodes', '1000')), 10_000);
const PODS = Math.min(Number(arg('pods', '10000')), 100_000);
const MIX = arg('mix', 'plain');
const DEADLINE_MS = 120_000;

const nodes = Array.from({ length: NODES }, (_, i) =>
  makeNode(`node-${i}`)
    .capacity({ cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '100Gi' })
    .labels({ 'topology.kubernetes.io/zone': `zone-${i % 3}`, 'node.kubernetes.io/instance-type': 'sim' })
    .obj(),
);
const snapshot = snapshotOf(nodes);
const fw = new Framework(onlyRegistered(defaultProfile(), inTreeRegistry), inTreeRegistry, { snapshot });
const search: SearchState = { nextStartNodeIndex: 0 };

function pod(i: number): Pod {
  const app = `app-${i % 100}`;
  const b = makePod(`p-${i}`)
    .label('app', app)
    .owner('ReplicaSet', app)
    .req({ cpu: '100m', memory: '128Mi' }, 'registry.local/app:1');
  if (MIX === 'spread' && i % 10 === 0)
    b.spreadConstraint(5, 'topology.kubernetes.io/zone', 'DoNotSchedule', {
      matchLabels: { app },
    }).preferredPodAntiAffinity(10, 'kubernetes.io/hostname', { matchLabels: { app } });
  return b.obj();
}

// Build the pods (and their PodInfos, as the queue does on add) outside the timed loop.
const infos = Array.from({ length: PODS }, (_, i) => newPodInfo(pod(i)));

const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
let scheduled = 0;
let unschedulable = 0;
let evaluated = 0;
for (const pi of infos) {
  if (performance.now() - started > DEADLINE_MS) break;
  try {
    const r = schedulePod(fw, fw.newCycleState(), pi, search);
    evaluated += r.evaluatedNodes;
    const ni = snapshot.get(r.suggestedHost);
    ni?.addPod(pi);
    if (pi.requiredAntiAffinityTerms.length > 0 || pi.preferredAntiAffinityTerms.length > 0)
      snapshot.refresh();
    scheduled++;
  } catch {
    unschedulable++;
  }
}
const ms = performance.now() - started;
const done = scheduled + unschedulable;
console.log(
  JSON.stringify({
    bench: 'scheduler-plugins',
    mix: MIX,
    nodes: NODES,
    pods: done,
    scheduled,
    unschedulable,
    podsPerSec: Math.round((done / ms) * 1000),
    usPerPod: Math.round((ms * 1000) / Math.max(done, 1)),
    avgNodesEvaluated: Math.round(evaluated / Math.max(scheduled, 1)),
    heapGrowthMB: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20),
    seconds: Math.round(ms) / 1000,
  }),
);
