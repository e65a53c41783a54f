/**
 * The status a ReplicaSet (or ReplicationController) reports, as the ReplicaSet controller's
 * calculateStatus: counts over the active pods it owns, observedGeneration, and the
 * ReplicaFailure condition — set (FailedCreate / FailedDelete, with the error's message) when
 * the last attempt to manage replicas failed and none is set yet, removed once an attempt
 * succeeds.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { isPodAvailable, isPodReady } from '../util/pods';
import type { ReplicaCondition, ReplicaStatus } from './workload';

export const REPLICA_FAILURE = 'ReplicaFailure';

export interface StatusInput {
  /** The current status (to keep or drop its conditions). */
  current: ReplicaStatus | undefined;
  generation: number | undefined;
  templateLabels: Record<string, string> | undefined;
  minReadySeconds: number;
  desired: number;
  /** Active pods the controller owns. */
  pods: Pod[];
  /** The error of this sync's create/delete attempt, if it failed. */
  manageError: Error | null;
  now: Date;
}

/** True when every template label is on the pod with the same value. */
function fullyLabeled(pod: Pod, templateLabels: Record<string, string> | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(templateLabels ?? {})) if (labels[k] !== v) return false;
  return true;
}

export function calculateStatus(input: StatusInput): ReplicaStatus {
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const pod of input.pods) {
    if (fullyLabeled(pod, input.templateLabels)) fully++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, input.minReadySeconds, input.now)) available++;
    }
  }
  let conditions = [...(input.current?.conditions ?? [])];
  const failing = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (input.manageError && !failing) {
    const diff = input.pods.length - input.desired;
    const cond: ReplicaCondition = {
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: input.now.toISOString().replace(/\.\d+Z$/, 'Z'),
      reason: diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '',
      message: input.manageError.message,
    };
    if (!cond.reason) delete cond.reason;
    conditions.push(cond);
  } else if (!input.manageError && failing) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicaStatus = {
    replicas: input.pods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
  };
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** Whether two statuses are the same as far as the controller writes them. */
export function sameStatus(a: ReplicaStatus | undefined, b: ReplicaStatus): boolean {
  if (!a) return false;
  return (
    (a.replicas ?? 0) === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    a.observedGeneration === b.observedGeneration &&
    JSON.stringify(a.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}
