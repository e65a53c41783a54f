/**
 * The core of the StatefulSet controller (stateful_set_control.go updateStatefulSet): given the
 * set, its current and update revisions and its pods, make one round of progress and return
 * the status that round observed.
 *
 * - Pods with ordinals in [start, start+replicas) are replicas; the rest are condemned.
 * - Missing replicas are created (PVCs first) from the current revision below the partition
 *   and the update revision above it; failed or succeeded replicas are deleted and recreated.
 * - OrderedReady ("monotonic"): one change per round — a replica is created only when every
 *   lower ordinal is Running and Ready (and available for minReadySeconds); condemned pods are
 *   deleted from the highest ordinal down, each after its successors are gone, and not while a
 *   lower pod is unhealthy. Parallel: every change at once.
 * - RollingUpdate: from the highest ordinal down to the partition, delete the first pod not at
 *   the update revision, one per round, each only once those above it are healthy (scaling
 *   takes precedence). OnDelete: pods are replaced only when someone deletes them.
 * - A set being deleted only has its status computed.
 * The caller writes status (completing a rolling update when every pod is updated and ready).
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import {
  applyRevision,
  endOrdinal,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newVersionedPod,
  ordinalOf,
  podRevision,
  startOrdinal,
  storageMatches,
} from './identity';

/** The writes the algorithm makes; the controller implements them against the API server. */
export interface StatefulPodControl {
  /** Create the pod's PVCs (those missing), then the pod. */
  createPod(set: StatefulSet, pod: Pod): Promise<void>;
  /** Delete a pod; `condemned` pods are going for scale-down (PVC retention applies). */
  deletePod(set: StatefulSet, pod: Pod, condemned: boolean): Promise<void>;
  /** Fix identity labels and storage of an existing pod (and create its missing PVCs). */
  updatePod(set: StatefulSet, pod: Pod): Promise<void>;
  event(set: StatefulSet, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

const nameOf = (p: Pod) => p.metadata?.name ?? '';

export async function updateStatefulSet(
  set: StatefulSet,
  revs: Revisions,
  pods: Pod[],
  control: StatefulPodControl,
  now: Date,
): Promise<StatefulSetStatus> {
  const currentSet = applyRevision(set, revs.current);
  const updateSet = applyRevision(set, revs.update);
  const currentName = revs.current.metadata?.name ?? '';
  const updateName = revs.update.metadata?.name ?? '';
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status = {
    observedGeneration: set.metadata?.generation,
    currentRevision: currentName,
    updateRevision: updateName,
    collisionCount: revs.collisionCount,
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
  } satisfies StatefulSetStatus;
  const count = (pod: Pod, delta: 1 | -1) => {
    if (podRevision(pod) === currentName) status.currentReplicas += delta;
    if (podRevision(pod) === updateName) status.updatedReplicas += delta;
  };

  const start = startOrdinal(set);
  const end = endOrdinal(set);
  const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(end - start).fill(undefined);
  const condemned: Pod[] = [];
  for (const pod of pods) {
    status.replicas++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas++;
      if (isRunningAndAvailable(pod, minReady, now)) status.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) count(pod, 1);
    const ord = ordinalOf(pod);
    if (ord >= start && ord < end) replicas[ord - start] = pod;
    else if (ord >= 0) condemned.push(pod);
  }
  const fresh = (ord: number) => newVersionedPod(currentSet, updateSet, currentName, updateName, ord);
  const slots: Pod[] = replicas.map((p, i) => p ?? fresh(start + i));
  condemned.sort((a, b) => ordinalOf(a) - ordinalOf(b));

  // The lowest-ordinal unhealthy pod, among replicas first, then condemned ones.
  const firstUnhealthy =
    [...slots, ...condemned].filter((p) => !isHealthy(p)).sort((a, b) => ordinalOf(a) - ordinalOf(b))[0] ??
    null;

  if (set.metadata?.deletionTimestamp) return status;
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const setName = `${set.metadata?.namespace}/${set.metadata?.name}`;

  for (let i = 0; i < slots.length; i++) {
    let pod = slots[i] as Pod;
    if ((isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod)) {
      const [reason, what] = isFailed(pod)
        ? ['RecreatingFailedPod', 'failed']
        : ['RecreatingTerminatedPod', 'terminated'];
      control.event(
        set,
        'Warning',
        reason,
        `StatefulSet ${setName} is recreating ${what} Pod ${nameOf(pod)}`,
      );
      await control.deletePod(set, pod, false);
      count(pod, -1);
      status.replicas--;
      pod = slots[i] = fresh(start + i);
    }
    if (!isCreated(pod)) {
      await control.createPod(set, pod);
      status.replicas++;
      count(pod, 1);
      if (monotonic) return status;
      continue;
    }
    // Wait for graceful deletion to finish before going on.
    if (isTerminating(pod)) {
      if (monotonic) return status;
      continue;
    }
    // Every predecessor must be Running and Ready (and available) before the next one.
    if (monotonic && !isRunningAndAvailable(pod, minReady, now)) return status;
    if (identityMatches(set, pod) && storageMatches(set, pod)) continue;
    await control.updatePod(updateSet, structuredClone(pod));
  }

  // Scale down: highest ordinal first; scaling takes precedence over updates.
  for (let t = condemned.length - 1; t >= 0; t--) {
    const pod = condemned[t] as Pod;
    if (isTerminating(pod)) {
      if (monotonic) return status;
      continue;
    }
    if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return status;
    await control.deletePod(set, pod, true);
    count(pod, -1);
    if (monotonic) return status;
  }

  if (set.spec?.updateStrategy?.type === 'OnDelete') return status;

  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let t = slots.length - 1; t >= partition; t--) {
    const pod = slots[t] as Pod;
    if (podRevision(pod) !== updateName && !isTerminating(pod)) {
      await control.deletePod(set, pod, false);
      status.currentReplicas--;
      return status;
    }
    if (!isHealthy(pod)) return status;
  }
  return status;
}

/** completeRollingUpdate: once every pod is updated and ready, the update revision is current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  if (
    set.spec?.updateStrategy?.type === 'RollingUpdate' &&
    status.updatedReplicas === status.replicas &&
    status.readyReplicas === status.replicas
  ) {
    return { ...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision };
  }
  return status;
}

const STATUS_FIELDS = [
  'observedGeneration',
  'replicas',
  'readyReplicas',
  'availableReplicas',
  'currentReplicas',
  'updatedReplicas',
  'currentRevision',
  'updateRevision',
  'collisionCount',
] as const;

/** inconsistentStatus: whether `next` differs from what the set reports. */
export function statusChanged(cur: StatefulSetStatus | undefined, next: StatefulSetStatus): boolean {
  return STATUS_FIELDS.some((f) => (cur?.[f] ?? 0) !== (next[f] ?? 0));
}
