/**
 * Why a pod fits no node, as kube-scheduler's FitError and Diagnosis (framework/types.go):
 * "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.
 * preemption: …". This message is the FailedScheduling event's and the PodScheduled
 * condition's.
 */
import type { PodInfo } from './pod-info';
import type { Status } from './status';
import type { NodeToStatus } from './types';

export interface Diagnosis {
  /** Rejecting status per node evaluated, plus one for nodes PreFilter left out. */
  nodeToStatus: { map: Map<string, Status>; absent: Status | null };
  /** Plugins that rejected the pod on some node (the queue requeues on their events). */
  unschedulablePlugins: Set<string>;
  /** Plugins that returned Pending (not used yet; kept for the queue's contract). */
  pendingPlugins: Set<string>;
  /** Set when PreFilter rejected the pod: then the per-node reasons are not repeated. */
  preFilterMsg: string;
  /** Set by the caller after PostFilter (preemption) ran. */
  postFilterMsg: string;
}

export function newDiagnosis(): Diagnosis {
  return {
    nodeToStatus: { map: new Map(), absent: null },
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
    preFilterMsg: '',
    postFilterMsg: '',
  };
}

/** Diagnosis.AddPluginStatus: remember which plugin rejected. */
export function addPluginStatus(d: Diagnosis, s: Status): void {
  if (s.plugin) d.unschedulablePlugins.add(s.plugin);
}

export const asNodeToStatus = (d: Diagnosis): NodeToStatus => d.nodeToStatus;

export class FitError extends Error {
  override name = 'FitError';
  readonly code = 'Unschedulable';

  constructor(
    readonly pod: PodInfo,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super();
    // FitError.Error() is derived on read: postFilterMsg is filled in after construction.
    Object.defineProperty(this, 'message', {
      get: () => fitErrorMessage(this.numAllNodes, this.diagnosis),
      enumerable: false,
      configurable: true,
    });
  }
}

/**
 * The summary: reason → number of nodes, each "N reason", sorted as strings (Go's
 * sort.Strings on the formatted entries, so "10 …" sorts before "2 …"), joined with ", ".
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.map.values())
      for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absentCount = numAllNodes - d.nodeToStatus.map.size;
    if (d.nodeToStatus.absent && absentCount > 0)
      for (const r of d.nodeToStatus.absent.reasons) counts.set(r, (counts.get(r) ?? 0) + absentCount);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}
