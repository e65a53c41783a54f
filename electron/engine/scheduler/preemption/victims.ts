/**
 * Preemption's dry run (kube-scheduler framework/preemption and plugins/defaultpreemption):
 * on a copy of a node, remove every lower-priority pod, check the preemptor fits, then give
 * back ("reprieve") as many of them as still let it fit, most important first. What is left
 * are the victims. Then pick the node whose victims hurt least.
 *
 * Known limitation: PodDisruptionBudgets are not considered (Pilothouse serves no
 * policy/v1 PodDisruptionBudget yet), so no candidate ever counts PDB violations.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { CycleState, MaybeStatus, NodeInfo, PodInfo } from '../framework/types';
import { Code, Status } from '../framework/types';

export const podPriority = (pod: Pod): number => pod.spec?.priority ?? 0;

/** status.startTime in ms; a pod not started yet counts as starting now (util.GetPodStartTime). */
export function podStartTime(pod: Pod, now: number): number {
  const t = pod.status?.startTime;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? now : ms;
}

/** util.MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportant(a: Pod, b: Pod, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return podStartTime(a, now) < podStartTime(b, now);
}

/** What the dry run needs from the framework. */
export interface DryRunner {
  /** Filter with the node's nominated pods counted. */
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  runPreFilterExtensionAddPod(
    state: CycleState,
    pod: PodInfo,
    podToAdd: PodInfo,
    nodeInfo: NodeInfo,
  ): MaybeStatus;
  runPreFilterExtensionRemovePod(
    state: CycleState,
    pod: PodInfo,
    podToRemove: PodInfo,
    nodeInfo: NodeInfo,
  ): MaybeStatus;
}

export interface Candidate {
  nodeName: string;
  /** Most important first. */
  victims: PodInfo[];
  numPDBViolations: number;
}

export const NO_VICTIMS_REASON = 'No preemption victims found for incoming pod';

/**
 * SelectVictimsOnNode on `nodeInfo` (a copy the caller owns; it is modified) with `state`
 * (likewise a copy). Success with the victims, or the status that says why not here.
 */
export function selectVictimsOnNode(
  fw: DryRunner,
  state: CycleState,
  pod: PodInfo,
  nodeInfo: NodeInfo,
  now: number,
): { victims: PodInfo[]; status: MaybeStatus } {
  const preemptorPriority = podPriority(pod.pod);
  const potential = nodeInfo.pods.filter((p) => podPriority(p.pod) < preemptorPriority);
  if (potential.length === 0)
    return { victims: [], status: new Status(Code.UnschedulableAndUnresolvable, [NO_VICTIMS_REASON]) };
  for (const p of potential) {
    nodeInfo.removePod(p);
    const s = fw.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
    if (s !== null) return { victims: [], status: s };
  }
  const fitsWithoutAll = fw.runFilterPlugins(state, pod, nodeInfo);
  if (fitsWithoutAll !== null) return { victims: [], status: fitsWithoutAll };

  potential.sort((a, b) =>
    moreImportant(a.pod, b.pod, now) ? -1 : moreImportant(b.pod, a.pod, now) ? 1 : 0,
  );
  const victims: PodInfo[] = [];
  // Reprieve the most important first: keep each pod whose return still lets the preemptor fit.
  for (const p of potential) {
    nodeInfo.addPod(p);
    const s = fw.runPreFilterExtensionAddPod(state, pod, p, nodeInfo);
    if (s !== null) return { victims: [], status: s };
    if (fw.runFilterPlugins(state, pod, nodeInfo) !== null) {
      nodeInfo.removePod(p);
      const r = fw.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
      if (r !== null) return { victims: [], status: r };
      victims.push(p);
    }
  }
  return { victims, status: null };
}

/** calculateNumCandidates: 10 % of the nodes, at least 100, at most all of them. */
export function numCandidates(numNodes: number, minPercentage = 10, minAbsolute = 100): number {
  let n = Math.trunc((numNodes * minPercentage) / 100);
  if (n < minAbsolute) n = minAbsolute;
  return Math.min(n, numNodes);
}

/**
 * pickOneNodeForPreemption: fewest PDB violations, then the lowest highest-priority victim,
 * then the smallest sum of priorities, then the fewest victims, then the latest start among
 * the highest-priority victims, then the first. A node needing no victims wins at once.
 */
export function pickCandidate(candidates: readonly Candidate[], now: number): Candidate | null {
  if (candidates.length === 0) return null;
  const none = candidates.find((c) => c.victims.length === 0);
  if (none) return none;
  const first = (c: Candidate) => c.victims[0]?.pod as Pod;
  const scoreFns: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(first(c)),
    // kube adds MaxInt32+1 to each priority so negative priorities still sum sensibly.
    (c) => -c.victims.reduce((sum, v) => sum + podPriority(v.pod) + 2 ** 31, 0),
    (c) => -c.victims.length,
    (c) => {
      // The earliest start among the highest-priority victims; the latest such node wins.
      const top = podPriority(first(c));
      let earliest = Infinity;
      for (const v of c.victims)
        if (podPriority(v.pod) === top) earliest = Math.min(earliest, podStartTime(v.pod, now));
      return earliest;
    },
  ];
  let pool = [...candidates];
  for (const fn of scoreFns) {
    let best = -Infinity;
    let next: Candidate[] = [];
    for (const c of pool) {
      const s = fn(c);
      if (s > best) {
        best = s;
        next = [c];
      } else if (s === best) next.push(c);
    }
    pool = next;
    if (pool.length === 1) break;
  }
  return pool[0] ?? null;
}
