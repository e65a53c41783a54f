/**
 * Cluster events that can make an unschedulable pod schedulable, and which plugins care about
 * which — kube-scheduler's ClusterEvent / EventsToRegister. When a pod fails, the queue
 * remembers the plugins that rejected it; an event moves it back to the active (or back-off)
 * queue only if one of those plugins registered for that event. A pod rejected by no known
 * plugin (an error, or a plugin outside this table) moves on any event, as kube-scheduler does
 * for plugins that register no events.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';

export type EventResource =
  | 'Pod'
  | 'Node'
  | 'PersistentVolumeClaim'
  | 'PersistentVolume'
  | 'StorageClass'
  /** Wildcard: the unschedulable-timeout flush and forced moves. */
  | '*';

/** Action bits, as kube-scheduler's fwk.ActionType. */
export const Action = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  /** Taints, and spec.unschedulable (kube-scheduler counts that as a taint change). */
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  /** A pod's requests went down (in-place resize). */
  UpdatePodScaleDown: 1 << 8,
  UpdatePodTolerations: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  /** Any other update (PVC/PV/StorageClass updates use this). */
  UpdateOther: 1 << 11,
} as const;

const UPDATE_BITS =
  Action.UpdateNodeAllocatable |
  Action.UpdateNodeLabel |
  Action.UpdateNodeTaint |
  Action.UpdateNodeCondition |
  Action.UpdateNodeAnnotation |
  Action.UpdatePodLabel |
  Action.UpdatePodScaleDown |
  Action.UpdatePodTolerations |
  Action.UpdatePodSchedulingGatesEliminated |
  Action.UpdateOther;

export const Update = UPDATE_BITS;
export const All = Action.Add | Action.Delete | UPDATE_BITS;

export interface ClusterEvent {
  resource: EventResource;
  /** Bits of Action. */
  actions: number;
  /** For logs: "NodeAdd", "AssignedPodDelete", … */
  label: string;
}

/** The event of the periodic flush of pods unschedulable for too long (kube: UnschedulableTimeout). */
export const UNSCHEDULABLE_TIMEOUT: ClusterEvent = {
  resource: '*',
  actions: All,
  label: 'UnschedulableTimeout',
};
/** Forced move of everything (kube: ForceActivate / EventUnscheduledPodUpdate wildcard). */
export const WILDCARD: ClusterEvent = { resource: '*', actions: All, label: 'Wildcard' };

/**
 * Which events each in-tree plugin registers (kube-scheduler v1.30 EventsToRegister, without
 * queueing hints: what a plugin listens to, not its per-object verdict).
 */
export const PLUGIN_EVENTS: Readonly<Record<string, readonly Omit<ClusterEvent, 'label'>[]>> = {
  NodeUnschedulable: [{ resource: 'Node', actions: Action.Add | Action.UpdateNodeTaint }],
  NodeName: [{ resource: 'Node', actions: Action.Add }],
  TaintToleration: [
    { resource: 'Node', actions: Action.Add | Action.UpdateNodeTaint },
    { resource: 'Pod', actions: Action.UpdatePodTolerations },
  ],
  NodeAffinity: [{ resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel }],
  NodeResourcesFit: [
    { resource: 'Pod', actions: Action.Delete | Action.UpdatePodScaleDown },
    { resource: 'Node', actions: Action.Add | Action.UpdateNodeAllocatable },
  ],
  NodePorts: [
    { resource: 'Pod', actions: Action.Delete },
    { resource: 'Node', actions: Action.Add | UPDATE_BITS },
  ],
  PodTopologySpread: [
    { resource: 'Pod', actions: Action.Add | Action.Delete | Action.UpdatePodLabel },
    {
      resource: 'Node',
      actions: Action.Add | Action.Delete | Action.UpdateNodeLabel | Action.UpdateNodeTaint,
    },
  ],
  InterPodAffinity: [
    { resource: 'Pod', actions: Action.Add | Action.Delete | Action.UpdatePodLabel },
    { resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel },
  ],
  VolumeBinding: [
    { resource: 'PersistentVolumeClaim', actions: Action.Add | UPDATE_BITS },
    { resource: 'PersistentVolume', actions: Action.Add | UPDATE_BITS },
    { resource: 'StorageClass', actions: Action.Add | UPDATE_BITS },
    { resource: 'Node', actions: Action.Add | Action.UpdateNodeLabel | Action.UpdateNodeTaint },
  ],
  SchedulingGates: [{ resource: 'Pod', actions: Action.UpdatePodSchedulingGatesEliminated }],
};

/**
 * Whether `event` could help a pod that `plugins` rejected. Unknown plugins, and an empty set
 * (the attempt failed with an error), match every event.
 */
export function eventMatters(plugins: ReadonlySet<string>, event: ClusterEvent): boolean {
  if (event.resource === '*' || plugins.size === 0) return true;
  for (const name of plugins) {
    const registered = PLUGIN_EVENTS[name];
    if (!registered) return true;
    for (const r of registered) {
      if ((r.resource === event.resource || r.resource === '*') && (r.actions & event.actions) !== 0)
        return true;
    }
  }
  return false;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * What changed between two versions of a Node, as kube-scheduler's nodeSchedulingPropertiesChange:
 * 0 when nothing that scheduling reads changed (a heartbeat), so such updates move no pod.
 */
export function nodeUpdateActions(oldNode: Node, newNode: Node): number {
  let actions = 0;
  if (!sameJson(oldNode.status?.allocatable, newNode.status?.allocatable))
    actions |= Action.UpdateNodeAllocatable;
  if (!sameJson(oldNode.metadata?.labels, newNode.metadata?.labels)) actions |= Action.UpdateNodeLabel;
  if (
    !sameJson(oldNode.spec?.taints, newNode.spec?.taints) ||
    Boolean(oldNode.spec?.unschedulable) !== Boolean(newNode.spec?.unschedulable)
  )
    actions |= Action.UpdateNodeTaint;
  // Conditions: only type and status matter, not heartbeat times (kube: nodeConditionsChanged).
  const conds = (n: Node) => (n.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(',');
  if (conds(oldNode) !== conds(newNode)) actions |= Action.UpdateNodeCondition;
  if (!sameJson(oldNode.metadata?.annotations, newNode.metadata?.annotations))
    actions |= Action.UpdateNodeAnnotation;
  return actions;
}

/** What changed between two versions of a pod, as the bits the queue's plugins listen to. */
export function podUpdateActions(
  oldPod: Pod,
  newPod: Pod,
  requests: (p: Pod) => Record<string, number>,
): number {
  let actions = 0;
  if (!sameJson(oldPod.metadata?.labels, newPod.metadata?.labels)) actions |= Action.UpdatePodLabel;
  if (!sameJson(oldPod.spec?.tolerations, newPod.spec?.tolerations)) actions |= Action.UpdatePodTolerations;
  if ((oldPod.spec?.schedulingGates?.length ?? 0) > 0 && (newPod.spec?.schedulingGates?.length ?? 0) === 0)
    actions |= Action.UpdatePodSchedulingGatesEliminated;
  const before = requests(oldPod);
  const after = requests(newPod);
  for (const [name, v] of Object.entries(before)) {
    if ((after[name] ?? 0) < v) {
      actions |= Action.UpdatePodScaleDown;
      break;
    }
  }
  return actions === 0 ? Action.UpdateOther : actions;
}
