/**
 * Which pods a scale-down deletes first: kube-controller-manager's controller.ActivePodsWithRanks
 * ordering, as the ReplicaSet controller's getPodsToDelete uses it. Earlier in the order means
 * deleted first:
 *  1. unassigned < assigned (no spec.nodeName first);
 *  2. Pending < Unknown < Running;
 *  3. not ready < ready;
 *  4. lower `controller.kubernetes.io/pod-deletion-cost` < higher (PodDeletionCost, on by default);
 *  5. higher rank < lower rank — the rank is the number of related pods on the same node, so
 *     doubled-up pods go first;
 *  6. ready for a shorter time < longer (LogarithmicScaleDown, GA: times compared in powers-of-two
 *     buckets of their age, ties broken by uid so the choice is random-ish but stable);
 *  7. more container restarts < fewer;
 *  8. newer < older (same logarithmic buckets), empty creation time first.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { isPodActive, isPodReady, podCondition } from '../util/pods';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** The pod-deletion-cost annotation as an int32; 0 when absent or invalid (as Kubernetes reads it). */
export function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^[+-]?\d+$/.test(v.trim())) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

function readyTime(pod: Pod): number | null {
  if (!isPodReady(pod)) return null;
  const t = podCondition(pod, 'Ready')?.lastTransitionTime;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

/** Highest restart count of the pod's containers, restartable (sidecar) init containers included. */
export function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount);
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
  );
  for (const c of pod.status?.initContainerStatuses ?? [])
    if (sidecars.has(c.name)) max = Math.max(max, c.restartCount);
  return max;
}

function created(pod: Pod): number | null {
  const t = pod.metadata?.creationTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

/** afterOrZero: t1 after t2, with a missing time counting as after any time. */
function afterOrZero(t1: number | null, t2: number | null): boolean {
  if (t1 === null || t2 === null) return t1 === null;
  return t1 > t2;
}

/** log2 bucket of the age at `now` in nanoseconds (Go's time.Duration), -1 for no age. */
function bucket(t: number, now: number): number {
  const ns = (now - t) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
}

/**
 * Compare two times the LogarithmicScaleDown way: true when `a` (pod i) goes before `b` (pod j).
 * Returns null when the times are equal (the next criterion decides).
 */
function newerFirst(a: number | null, b: number | null, uidA: string, uidB: string, now: number) {
  if (a === b) return null;
  if (a === null || b === null) return afterOrZero(a, b);
  const diff = bucket(a, now) - bucket(b, now);
  if (diff === 0) return uidA < uidB;
  return diff < 0;
}

export interface RankedPod {
  pod: Pod;
  /** Related pods on the same node (see getPodsToDelete). */
  rank: number;
}

/** What the ordering looks at, computed once per pod (a sort compares each pod many times). */
interface RankKey {
  pod: Pod;
  rank: number;
  assigned: boolean;
  phase: number;
  ready: boolean;
  cost: number;
  readyAt: number | null;
  restarts: number;
  created: number | null;
  uid: string;
}

function keyOf({ pod, rank }: RankedPod): RankKey {
  const ready = isPodReady(pod);
  return {
    pod,
    rank,
    assigned: Boolean(pod.spec?.nodeName),
    phase: PHASE_ORDER[pod.status?.phase ?? ''] ?? 0,
    ready,
    cost: deletionCost(pod),
    readyAt: ready ? readyTime(pod) : null,
    restarts: maxRestarts(pod),
    created: created(pod),
    uid: pod.metadata?.uid ?? '',
  };
}

function before(a: RankKey, b: RankKey, now: number): boolean {
  if (a.assigned !== b.assigned) return !a.assigned;
  if (a.phase !== b.phase) return a.phase < b.phase;
  if (a.ready !== b.ready) return !a.ready;
  if (a.cost !== b.cost) return a.cost < b.cost;
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.ready) {
    const r = newerFirst(a.readyAt, b.readyAt, a.uid, b.uid, now);
    if (r !== null) return r;
  }
  if (a.restarts !== b.restarts) return a.restarts > b.restarts;
  return newerFirst(a.created, b.created, a.uid, b.uid, now) ?? false;
}

/** ActivePodsWithRanks.Less: true when `a` should be deleted before `b`. */
export function deleteBefore(a: RankedPod, b: RankedPod, now: number): boolean {
  return before(keyOf(a), keyOf(b), now);
}

/**
 * The `count` pods to delete from `pods` (ReplicaSet getPodsToDelete). `related` are the pods
 * of every ReplicaSet sharing this one's owner (this one's included) and rank pods by how many
 * of them share a node. When every pod goes, no ranking is needed.
 */
export function podsToDelete(pods: Pod[], related: Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return pods.slice();
  const onNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (!node || !isPodActive(p)) continue;
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => keyOf({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => (before(a, b, now) ? -1 : before(b, a, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
