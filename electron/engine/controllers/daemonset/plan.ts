/**
 * The DaemonSet controller's decisions as pure functions of the cached state, so they can be
 * tested without a cluster (pkg/controller/daemon: podsShouldBeOnNode, rollingUpdate,
 * updateDaemonSetStatus). `nodeToPods` maps a node name to the set's pods there (pods being
 * deleted included, finished pods being deleted excluded), as getNodesToDaemonPods builds it.
 */
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revisions';
import { isPodAvailable, isPodReady } from '../util/pods';
import { isPodUpdated, nodeShouldRunDaemonPod, templateGeneration } from './eligibility';

export interface ManagePlan {
  /** Nodes that should run a daemon pod and have none. */
  nodesNeedingPods: string[];
  /** Pods to delete: extra pods on a node, pods on nodes that should not run them. */
  podsToDelete: string[];
  /** Failed (or succeeded) pods the caller deletes unless that node is in back-off. */
  finishedPods: { pod: Pod; node: string }[];
}

/** creationTimestamp order, oldest first; ties: running before pending before unknown (podByCreationTimestampAndPhase). */
export function byCreationAndPhase(a: Pod, b: Pod): number {
  const rank = (p: Pod) => ({ Running: 0, Pending: 1 })[p.status?.phase as 'Running'] ?? 2;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return rank(a) - rank(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

const nameOf = (p: Pod) => p.metadata?.name ?? '';

/** True when the strategy is RollingUpdate with a non-zero maxSurge (util.AllowsSurge). */
export function allowsSurge(ds: DaemonSet): boolean {
  const ru =
    ds.spec?.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  return ru?.maxSurge !== undefined && ru.maxSurge !== 0 && ru.maxSurge !== '0%';
}

/** podsShouldBeOnNode for every node (sorted by name, so plans are deterministic). */
export function planManage(
  ds: DaemonSet,
  nodes: Node[],
  nodeToPods: Map<string, Pod[]>,
  hash: string,
): ManagePlan {
  const plan: ManagePlan = { nodesNeedingPods: [], podsToDelete: [], finishedPods: [] };
  const surge = allowsSurge(ds);
  for (const node of [...nodes].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  )) {
    const name = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = nodeToPods.get(name);
    if (shouldRun && !pods?.length) {
      plan.nodesNeedingPods.push(name);
    } else if (shouldContinueRunning && pods) {
      const running: Pod[] = [];
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp) continue;
        const phase = pod.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') plan.finishedPods.push({ pod, node: name });
        else running.push(pod);
      }
      if (running.length <= 1) continue;
      running.sort(byCreationAndPhase);
      if (!surge) {
        // Without surge, keep the oldest pod and delete the rest.
        for (const pod of running.slice(1)) plan.podsToDelete.push(nameOf(pod));
        continue;
      }
      // With surge: keep the oldest updated pod and the oldest old one ("ratchet").
      let haveNew = false;
      let haveOld = false;
      for (const pod of running) {
        const isNew = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
        if (isNew && !haveNew) haveNew = true;
        else if (!isNew && !haveOld) haveOld = true;
        else plan.podsToDelete.push(nameOf(pod));
      }
    } else if (!shouldContinueRunning && pods) {
      for (const pod of pods) if (!pod.metadata?.deletionTimestamp) plan.podsToDelete.push(nameOf(pod));
    }
  }
  return plan;
}

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(v: number | string | undefined, total: number): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? 0 : n;
}

/** findUpdatedPodsOnNode: at most one new and one old live pod, else ok=false. */
function updatedPodsOnNode(
  ds: DaemonSet,
  pods: Pod[],
  hash: string,
): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  const generation = templateGeneration(ds);
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingPlan {
  oldPodsToDelete: string[];
  newNodesToCreate: string[];
}

/**
 * rollingUpdate: without surge, delete old pods while fewer than maxUnavailable nodes lack an
 * available updated pod (unavailable old pods go first, free); with surge, start a new pod
 * next to an old one on up to maxSurge nodes and delete the old pod once the new one is
 * available. maxUnavailable and maxSurge scale against desiredNumberScheduled, rounding up;
 * both zero means maxUnavailable 1.
 */
export function planRollingUpdate(
  ds: DaemonSet,
  nodes: Node[],
  nodeToPods: Map<string, Pod[]>,
  hash: string,
  now: Date,
): RollingPlan {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  const shouldRun = (name: string) => {
    const node = byName.get(name);
    return node !== undefined && nodeShouldRunDaemonPod(node, ds).shouldRun;
  };
  const perNode = new Map(nodeToPods);
  let desired = 0;
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    const name = node.metadata?.name ?? '';
    if (!perNode.has(name)) perNode.set(name, []);
  }
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired);
  const maxSurge = allowsSurge(ds) ? scaledValue(ru?.maxSurge, desired) : 0;
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  const names = [...perNode.keys()].sort();

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowed: string[] = [];
    const candidates: string[] = [];
    for (const name of names) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, perNode.get(name) ?? [], hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        // The manage loop creates or prunes here; the node counts as unavailable meanwhile.
        numUnavailable++;
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          allowed.push(nameOf(oldPod));
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) {
          candidates.push(nameOf(oldPod));
        }
      }
    }
    const room = Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidates.length);
    return { oldPodsToDelete: [...allowed, ...candidates.slice(0, room)], newNodesToCreate: [] };
  }

  const oldPodsToDelete: string[] = [];
  const shouldNotRun: string[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const name of names) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, perNode.get(name) ?? [], hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(name)) oldPodsToDelete.push(nameOf(oldPod));
        else allowedNodes.push(name);
      } else if (!shouldRun(name)) {
        shouldNotRun.push(nameOf(oldPod));
      } else if (numSurge < maxSurge) {
        candidateNodes.push(name);
      }
    } else if (!available(newPod)) {
      numSurge++;
    } else {
      oldPodsToDelete.push(nameOf(oldPod));
    }
  }
  // Old pods on nodes that should no longer run them go only once enough pods elsewhere are
  // available: with surge the owner expects no loss of availability.
  const deletable = Math.min(Math.max(numAvailable - desired, 0), shouldNotRun.length);
  oldPodsToDelete.push(...shouldNotRun.slice(0, deletable));
  const room = Math.min(Math.max(maxSurge - numSurge, 0), candidateNodes.length);
  return { oldPodsToDelete, newNodesToCreate: [...allowedNodes, ...candidateNodes.slice(0, room)] };
}

/** The status fields updateDaemonSetStatus computes (observedGeneration included). */
export function computeStatus(
  ds: DaemonSet,
  nodes: Node[],
  nodeToPods: Map<string, Pod[]>,
  hash: string,
  now: Date,
): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const generation = templateGeneration(ds);
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata?.name ?? '') ?? [];
    const scheduled = pods.length > 0;
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (scheduled) misscheduled++;
      continue;
    }
    desired++;
    if (!scheduled) continue;
    current++;
    const pod = [...pods].sort(byCreationAndPhase)[0] as Pod;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  return {
    ...ds.status,
    observedGeneration: ds.metadata?.generation,
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
}
