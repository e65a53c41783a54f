/**
 * The Recreate strategy: pkg/controller/deployment/recreate.go. Scale every old ReplicaSet to
 * 0, wait until none of their pods is left running (terminating pods count as running), then
 * create or scale up the new ReplicaSet to the full size at once.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { deploymentComplete } from './conditions';
import type { PodMap, SyncContext } from './context';
import { syncRolloutStatus } from './progress';
import { getAllReplicaSetsAndSyncRevision } from './new-replicaset';
import { cleanupDeployment, scaleReplicaSetAndRecordEvent } from './sync';
import { actualReplicaCount, filterActive, specReplicas } from './util';

export async function rolloutRecreate(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  podMap: PodMap,
): Promise<void> {
  // Do not create the new ReplicaSet yet: that would scale up before scaling down.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  let allRSs = [...oldRSs, newRS];
  const activeOld = filterActive(oldRSs);

  let scaledDown = false;
  for (const rs of activeOld) {
    if ((await scaleReplicaSetAndRecordEvent(ctx, rs, 0, d)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(ctx, allRSs, newRS, d);

  if (oldPodsRunning(newRS, oldRSs, podMap)) return syncRolloutStatus(ctx, allRSs, newRS, d);

  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) await scaleReplicaSetAndRecordEvent(ctx, newRS, specReplicas(d), d);

  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(ctx, oldRSs, d);
  return syncRolloutStatus(ctx, allRSs, newRS, d);
}

/**
 * oldPodsRunning: old ReplicaSets still report pods, or a pod of theirs is not yet Succeeded or
 * Failed (Unknown counts as running: it may still be).
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: PodMap): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [rsUid, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === rsUid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase !== 'Failed' && phase !== 'Succeeded') return true;
    }
  }
  return false;
}
