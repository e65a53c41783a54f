/**
 * The RollingUpdate strategy: pkg/controller/deployment/rolling.go. Each sync takes at most one
 * step: scale the new ReplicaSet up within spec.replicas + maxSurge, or else scale old ones
 * down while at least spec.replicas - maxUnavailable pods stay available. Steps follow one
 * another as the ReplicaSet controller reports pods available (minReadySeconds included).
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { deploymentComplete } from './conditions';
import type { SyncContext } from './context';
import { syncRolloutStatus } from './progress';
import { getAllReplicaSetsAndSyncRevision } from './new-replicaset';
import { cleanupDeployment, scaleReplicaSetAndRecordEvent } from './sync';
import {
  availableReplicaCount,
  byCreation,
  filterActive,
  maxUnavailable,
  newRSNewReplicas,
  replicaCount,
  specReplicas,
} from './util';

export async function rolloutRolling(ctx: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const got = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true);
  const newRS = got.newRS;
  const oldRSs = got.oldRSs;
  const allRSs = [...oldRSs, newRS];
  if (!newRS) return; // create=true always yields one or throws

  if (await reconcileNewReplicaSet(ctx, allRSs, newRS, d)) {
    return syncRolloutStatus(ctx, allRSs, newRS, d);
  }
  if (await reconcileOldReplicaSets(ctx, allRSs, filterActive(oldRSs), newRS, d)) {
    return syncRolloutStatus(ctx, allRSs, newRS, d);
  }
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(ctx, oldRSs, d);
  return syncRolloutStatus(ctx, allRSs, newRS, d);
}

async function reconcileNewReplicaSet(
  ctx: SyncContext,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  const replicas = specReplicas(d);
  if (specReplicas(newRS) === replicas) return false;
  if (specReplicas(newRS) > replicas) {
    return (await scaleReplicaSetAndRecordEvent(ctx, newRS, replicas, d)).scaled;
  }
  const count = newRSNewReplicas(d, allRSs, newRS);
  return (await scaleReplicaSetAndRecordEvent(ctx, newRS, count, d)).scaled;
}

/**
 * reconcileOldReplicaSets: how far old ReplicaSets may shrink is
 * allPods - minAvailable - (new ReplicaSet's unavailable pods), so a failing new template
 * never eats the availability the old pods provide. Unhealthy old pods go first.
 */
async function reconcileOldReplicaSets(
  ctx: SyncContext,
  allRSs: (ReplicaSet | undefined)[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = replicaCount(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  // Kubernetes logs and swallows errors of these two steps (the next sync retries).
  try {
    const cleaned = await cleanupUnhealthyReplicas(ctx, oldRSs, d, maxScaledDown);
    const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(
      ctx,
      [...cleaned.oldRSs, newRS],
      cleaned.oldRSs,
      d,
    );
    return cleaned.count + scaledDown > 0;
  } catch (err) {
    ctx.log.debug({ err: (err as Error).message }, 'scaling down old replica sets failed');
    return false;
  }
}

/** cleanupUnhealthyReplicas: scale old ReplicaSets down by their unavailable pods, oldest first. */
async function cleanupUnhealthyReplicas(
  ctx: SyncContext,
  oldRSs: ReplicaSet[],
  d: Deployment,
  maxCleanup: number,
): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const [i, rs] of sorted.entries()) {
    if (total >= maxCleanup) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const down = Math.min(maxCleanup - total, replicas - available);
    const res = await scaleReplicaSetAndRecordEvent(ctx, rs, replicas - down, d);
    sorted[i] = res.rs;
    total += down;
  }
  return { oldRSs: sorted, count: total };
}

/** scaleDownOldReplicaSetsForRollingUpdate: remove what availability above minAvailable allows, oldest first. */
async function scaleDownOldReplicaSetsForRollingUpdate(
  ctx: SyncContext,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<number> {
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toScaleDown) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const down = Math.min(replicas, toScaleDown - total);
    await scaleReplicaSetAndRecordEvent(ctx, rs, replicas - down, d);
    total += down;
  }
  return total;
}
