/**
 * Rollout status and the Progressing condition: pkg/controller/deployment/progress.go.
 * While a rollout moves, Progressing is True/ReplicaSetUpdated with a fresh lastUpdateTime;
 * when it completes, True/NewReplicaSetAvailable; when nothing has moved for
 * progressDeadlineSeconds, False/ProgressDeadlineExceeded (what makes `kubectl rollout status`
 * fail). A stuck deployment is requeued for the moment its deadline passes, since nothing else
 * would wake it.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  PROGRESSING,
  REASON,
  REPLICA_FAILURE,
  removeCondition,
  setCondition,
} from './conditions';
import { type SyncContext, nameOf, writeStatus } from './context';
import { calculateStatus, compactStatus, statusEqual } from './status';

export async function syncRolloutStatus(
  ctx: SyncContext,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const now = ctx.now();
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);

  // A rollout already reported complete stays so while only pods come and go.
  const current = getCondition(d.status, PROGRESSING);
  const isComplete =
    (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === REASON.NewRSAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    const subject = newRS ? `ReplicaSet "${nameOf(newRS)}"` : `Deployment "${nameOf(d)}"`;
    if (deploymentComplete(d, status)) {
      const msg = `${subject} has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, 'True', REASON.NewRSAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      // Progress refreshes lastUpdateTime even with an unchanged reason, which setCondition
      // would not do; keep lastTransitionTime while the status stays True.
      const cond = newCondition(
        PROGRESSING,
        'True',
        REASON.ReplicaSetUpdated,
        `${subject} is progressing.`,
        now,
      );
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = `${subject} has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, 'False', REASON.TimedOut, msg, now));
    }
  }

  const failures = replicaFailures(allRSs, newRS);
  const first = failures[0];
  if (first) setCondition(status, first);
  else removeCondition(status, REPLICA_FAILURE);

  if (statusEqual(d.status, status)) {
    requeueStuckDeployment(ctx, d, status, now);
    return;
  }
  d.status = compactStatus(status);
  await writeStatus(ctx, d);
}

/** getReplicaFailures: ReplicaFailure conditions of the new ReplicaSet, else of any ReplicaSet. */
function replicaFailures(
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition[] {
  const of = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === REPLICA_FAILURE)
      .map((c) => ({
        type: c.type,
        status: c.status,
        lastTransitionTime: c.lastTransitionTime,
        lastUpdateTime: c.lastTransitionTime,
        reason: c.reason,
        message: c.message,
      }));
  const fromNew = of(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(of);
}

/**
 * requeueStuckDeployment: with a deadline and no progress, check again one second after the
 * Progressing condition's lastUpdateTime + progressDeadlineSeconds. Returns the delay (ms), or
 * -1 when no check is needed.
 */
export function requeueStuckDeployment(
  ctx: SyncContext,
  d: Deployment,
  status: DeploymentStatus,
  now: Date,
): number {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return -1;
  if (deploymentComplete(d, status) || current.reason === REASON.TimedOut) return -1;
  const from = Date.parse(current.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return -1;
  const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now.getTime();
  if (after < 1000) {
    ctx.enqueueAfter(d, 1000);
    return 0;
  }
  ctx.enqueueAfter(d, after + 1000);
  return after;
}
