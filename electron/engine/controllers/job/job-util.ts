/**
 * Pure Job logic, as k8s.io/kubernetes/pkg/controller/job (Kubernetes 1.33, the level this
 * control plane reports): conditions, which pods count as failed, how many pods should be
 * active, the pod-failure back-off, and which active pods to remove first.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { isPodReady } from '../util/pods';

/** Pods carry it until the controller has counted them (Kubernetes ≥ 1.26 job tracking). */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** The PodIndexLabel feature (GA in 1.32) also puts the index in a label. */
export const COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';

/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;
/** MaxPodCreateDeletePerSync and MaxUncountedPods. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
export const MAX_UNCOUNTED_PODS = 500;

export const REASON_BACKOFF_LIMIT = 'BackoffLimitExceeded';
export const MESSAGE_BACKOFF_LIMIT = 'Job has reached the specified backoff limit';
export const REASON_DEADLINE = 'DeadlineExceeded';
export const MESSAGE_DEADLINE = 'Job was active longer than specified deadline';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const MESSAGE_COMPLETIONS_REACHED = 'Reached expected number of succeeded pods';

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

function conditionTrue(job: Job, type: string): boolean {
  return findCondition(job, type)?.status === 'True';
}

/** util.IsJobFinished: a Complete or Failed condition is True. */
export function isJobFinished(job: Job): boolean {
  return conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed');
}

/** The Complete or Failed condition that finished the job, if any. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return (job.status?.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

export function newCondition(type: string, status: string, reason: string, message: string, now: Date) {
  const t = rfc3339(now);
  return { type, status, reason, message, lastProbeTime: t, lastTransitionTime: t } satisfies JobCondition;
}

/**
 * ensureJobConditionStatus: set condition `type` to `status` (adding it only when it is True).
 * Returns the new list and whether it changed.
 */
export function ensureCondition(
  list: JobCondition[] | undefined,
  type: string,
  status: string,
  reason: string,
  message: string,
  now: Date,
): [JobCondition[], boolean] {
  const conditions = [...(list ?? [])];
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i] as JobCondition;
    if (c.status === status && c.reason === reason && c.message === message) return [conditions, false];
    const t = rfc3339(now);
    conditions[i] = {
      ...c,
      status,
      reason,
      message,
      lastProbeTime: t,
      lastTransitionTime: c.status === status ? c.lastTransitionTime : t,
    };
    return [conditions, true];
  }
  if (status !== 'True') return [conditions, false];
  conditions.push(newCondition(type, status, reason, message, now));
  return [conditions, true];
}

/** metav1.Time text: RFC 3339 in seconds. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** podReplacementPolicy Failed: replace pods only once they reached phase Failed. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

/**
 * isPodFailed: phase Failed; or, unless only Failed pods are replaced, deleted before it
 * succeeded (a pod removed from a lost node never reaches Failed).
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return Boolean(pod.metadata?.deletionTimestamp) && phase !== 'Succeeded';
}

/** controller.CountTerminatingPods: being deleted, not yet Succeeded/Failed. */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.metadata?.deletionTimestamp) && phase !== 'Succeeded' && phase !== 'Failed';
}

/** How many pods should be running: manageJob's wantActive. */
export function wantActive(job: Job, active: number, succeeded: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) {
    // Work-queue job: once one pod succeeded, let the running ones finish, start no more.
    return succeeded > 0 ? active : parallelism;
  }
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/** pastBackoffLimitOnFailure: restartPolicy OnFailure counts container restarts of live pods. */
export function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])])
      restarts += s.restartCount;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** When a pod finished: its last container's finishedAt, else `fallback`. */
export function podFinishTime(pod: Pod, fallback: number): number {
  let latest = -Infinity;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const at = s.state?.terminated?.finishedAt;
    if (at) latest = Math.max(latest, Date.parse(at));
  }
  return Number.isFinite(latest) ? latest : fallback;
}

/** The controller's in-memory pod-failure back-off for one job (backoffRecord). */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime: number | null;
}

/** newBackoffRecord: fold the newly finished pods into the job's record. */
export function nextBackoffRecord(
  prev: BackoffRecord | undefined,
  newSucceeded: Pod[],
  newFailed: Pod[],
  now: number,
): BackoffRecord {
  const rec: BackoffRecord = prev ? { ...prev } : { failuresAfterLastSuccess: 0, lastFailureTime: null };
  if (newSucceeded.length === 0 && newFailed.length === 0) return rec;
  const lastSuccess = Math.max(-Infinity, ...newSucceeded.map((p) => podFinishTime(p, now)));
  const failTimes = newFailed.map((p) => podFinishTime(p, now));
  if (Number.isFinite(lastSuccess)) {
    // Only failures after the last success count towards the next delay.
    rec.failuresAfterLastSuccess = failTimes.filter((t) => t > lastSuccess).length;
  } else {
    rec.failuresAfterLastSuccess += failTimes.length;
  }
  if (failTimes.length > 0) rec.lastFailureTime = Math.max(rec.lastFailureTime ?? -Infinity, ...failTimes);
  return rec;
}

/** getRemainingTime: how long to wait before creating pods again; 0 = now. */
export function backoffRemainingMs(
  rec: BackoffRecord | undefined,
  now: number,
  baseMs: number,
  maxMs: number,
) {
  if (!rec || rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === null) return 0;
  const delay = Math.min(baseMs * 2 ** (rec.failuresAfterLastSuccess - 1), maxMs);
  if (delay <= 0) return 0;
  return Math.max(0, rec.lastFailureTime + delay - now);
}

function podPhaseRank(pod: Pod): number {
  const phase = pod.status?.phase;
  return phase === 'Pending' ? 0 : phase === 'Running' ? 2 : 1;
}

function readySince(pod: Pod): number {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, s) => n + s.restartCount, 0);
}

/**
 * controller.ActivePods ordering: the pods to remove first sort first — unscheduled before
 * scheduled, Pending before Unknown before Running, not ready before ready, ready for less time,
 * more restarts, newer.
 */
export function compareForRemoval(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 1 : 0;
  const sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  if (podPhaseRank(a) !== podPhaseRank(b)) return podPhaseRank(a) - podPhaseRank(b);
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  if (ra && rb && readySince(a) !== readySince(b)) return readySince(b) - readySince(a);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ca = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const cb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  return cb - ca;
}
