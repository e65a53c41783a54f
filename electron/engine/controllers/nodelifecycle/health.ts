/**
 * The node lifecycle controller's health bookkeeping (tryUpdateNodeHealth, ComputeZoneState), as
 * pure functions of the node, its Lease and what the controller saw last.
 *
 * A node is healthy while its kubelet keeps signalling: either the Ready condition's
 * lastHeartbeatTime changes or the Lease's renewTime moves forward. The controller never trusts
 * those timestamps' values (clocks differ between machines); it records *its own* time whenever
 * it sees them change ("probe timestamp"), and declares the node's health Unknown once no signal
 * has arrived for the grace period.
 */
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1';
import { metaTime } from './node-updates';
import { nodeCondition } from './taints';

/** What the controller remembers per node (nodeHealthData). Times are ms since the epoch. */
export interface HealthRecord {
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** The Ready condition as last seen; undefined when the node had none. */
  ready?: { status: string; heartbeat?: string; transition?: string };
  /** The Lease's renewTime as last seen. */
  leaseRenew?: number;
}

export interface HealthInput {
  node: Node;
  saved: HealthRecord | undefined;
  /** renewTime of the node's Lease in kube-node-lease, if it has one. */
  leaseRenew: number | undefined;
  now: number;
  /** --node-monitor-grace-period. */
  monitorGraceMs: number;
  /** --node-startup-grace-period: for nodes that never posted a Ready condition. */
  startupGraceMs: number;
}

export interface HealthResult {
  record: HealthRecord;
  /** The Ready condition as the node carried it (a placeholder Unknown when it had none). */
  observed: NodeCondition;
  /** The Ready condition after this check; undefined when the node has none and keeps none. */
  current: NodeCondition | undefined;
  /** Set when the controller must write the node's status (conditions turned Unknown). */
  status?: NodeStatus;
  /** What to remember once that status write succeeded. */
  recordIfWritten?: HealthRecord;
}

/** Conditions turned Unknown when the kubelet goes quiet (NetworkUnavailable is left alone). */
export const UNKNOWN_ON_SILENCE = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

const readyTimes = (c: NodeCondition | undefined) =>
  c ? { status: c.status, heartbeat: c.lastHeartbeatTime, transition: c.lastTransitionTime } : undefined;

export function checkNodeHealth(input: HealthInput): HealthResult {
  const { node, saved, now } = input;
  const created = Date.parse(node.metadata?.creationTimestamp ?? '') || now;
  const currentReady = nodeCondition(node, 'Ready');
  let grace: number;
  let observed: NodeCondition;
  let record = saved;
  if (!currentReady) {
    observed = {
      type: 'Ready',
      status: 'Unknown',
      lastHeartbeatTime: node.metadata?.creationTimestamp,
      lastTransitionTime: node.metadata?.creationTimestamp,
    };
    grace = input.startupGraceMs;
    record = saved
      ? { ...saved, ready: undefined }
      : { probeTimestamp: created, readyTransitionTimestamp: created, ready: undefined };
  } else {
    observed = { ...currentReady };
    grace = input.monitorGraceMs;
  }

  if (!record) {
    // First sight of this node: start its grace period now.
    record = { probeTimestamp: now, readyTransitionTimestamp: now, ready: readyTimes(currentReady) };
  } else if (currentReady && (!saved?.ready || saved.ready.heartbeat !== currentReady.lastHeartbeatTime)) {
    // A fresh heartbeat in the status (or a Ready condition appeared): the node is alive.
    const transitioned = saved?.ready && saved.ready.transition !== currentReady.lastTransitionTime;
    record = {
      ...record,
      probeTimestamp: now,
      readyTransitionTimestamp: !saved?.ready || transitioned ? now : record.readyTransitionTimestamp,
      ready: readyTimes(currentReady),
    };
  }

  // A renewed Lease is a heartbeat too, whatever the status says.
  if (
    input.leaseRenew !== undefined &&
    (record.leaseRenew === undefined || record.leaseRenew < input.leaseRenew)
  ) {
    record = { ...record, leaseRenew: input.leaseRenew, probeTimestamp: now };
  }

  if (now <= record.probeTimestamp + grace) return { record, observed, current: currentReady };

  // Silent for longer than the grace period: every kubelet-owned condition becomes Unknown.
  const stamp = metaTime(new Date(now));
  const conditions = [...(node.status?.conditions ?? [])];
  for (const type of UNKNOWN_ON_SILENCE) {
    const i = conditions.findIndex((c) => c.type === type);
    const c = conditions[i];
    if (!c) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: stamp,
      });
    } else if (c.status !== 'Unknown') {
      conditions[i] = {
        ...c,
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastTransitionTime: stamp,
      };
    }
  }
  const current = conditions.find((c) => c.type === 'Ready');
  if (current && sameCondition(current, observed)) return { record, observed, current };
  return {
    record,
    observed,
    current,
    status: { ...node.status, conditions },
    recordIfWritten: { ...record, readyTransitionTimestamp: now, ready: readyTimes(current) },
  };
}

function sameCondition(a: NodeCondition, b: NodeCondition): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastHeartbeatTime === b.lastHeartbeatTime &&
    a.lastTransitionTime === b.lastTransitionTime
  );
}

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** --unhealthy-zone-threshold (0.55): share of not-ready nodes that makes a zone partially disrupted. */
export const UNHEALTHY_ZONE_THRESHOLD = 0.55;
/** --large-cluster-size-threshold (50): above this, a partially disrupted zone still evicts, slowly. */
export const LARGE_CLUSTER_THRESHOLD = 50;
/** --secondary-node-eviction-rate (0.01 nodes/s). */
export const SECONDARY_EVICTION_RATE = 0.01;

/** ComputeZoneState: not-ready count and state from the zone's Ready conditions. */
export function zoneState(ready: readonly (NodeCondition | undefined)[]): {
  notReady: number;
  state: ZoneState;
} {
  let readyNodes = 0;
  let notReady = 0;
  for (const c of ready) {
    if (c?.status === 'True') readyNodes++;
    else notReady++;
  }
  if (readyNodes === 0 && notReady > 0) return { notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + readyNodes) >= UNHEALTHY_ZONE_THRESHOLD) {
    return { notReady, state: 'PartialDisruption' };
  }
  return { notReady, state: 'Normal' };
}

/** setLimiterInZone: the eviction rate for a zone of `size` nodes in `state`. */
export function evictionRate(state: ZoneState, size: number, normalRate: number): number {
  if (state === 'PartialDisruption') return size > LARGE_CLUSTER_THRESHOLD ? SECONDARY_EVICTION_RATE : 0;
  return normalRate;
}
