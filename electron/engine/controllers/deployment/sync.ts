/**
 * Scaling without rollout progress, history cleanup, and the paused/scaling/deleting paths of
 * pkg/controller/deployment/sync.go.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { isNotFound } from '../../../kube/errors';
import { replicasAnnotationsNeedUpdate, setReplicasAnnotations } from './annotations';
import { hasRevisionHistoryLimit } from './conditions';
import { type SyncContext, nameOf, namespaceOf } from './context';
import { getAllReplicaSetsAndSyncRevision, replicasAnnotations } from './new-replicaset';
import { syncDeploymentStatus } from './status';
import {
  byRevision,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasAnnotation,
  filterActive,
  findActiveOrLatest,
  getProportion,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  replicaCount,
  specReplicas,
} from './util';

/**
 * scale: on a scaling event or while paused, resize the ReplicaSets without advancing the
 * rollout. One active ReplicaSet takes the full size; a saturated new one lets the old ones go
 * to 0; otherwise (rolling) the difference to spec.replicas + maxSurge is shared out in
 * proportion to each active ReplicaSet's size, leftovers to the largest.
 */
export async function scale(
  ctx: SyncContext,
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
): Promise<void> {
  const replicas = specReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (specReplicas(activeOrLatest) === replicas) return;
    await scaleReplicaSetAndRecordEvent(ctx, activeOrLatest, replicas, d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSetAndRecordEvent(ctx, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;

  const allRSs = filterActive([...oldRSs, newRS]);
  const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - replicaCount(allRSs);
  let operation = '';
  if (toAdd > 0) {
    allRSs.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    allRSs.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of allRSs) {
    if (toAdd !== 0) {
      const proportion = getProportion(rs, d, toAdd, added);
      sizes.set(nameOf(rs), specReplicas(rs) + proportion);
      added += proportion;
    } else {
      sizes.set(nameOf(rs), specReplicas(rs));
    }
  }
  for (const [i, rs] of allRSs.entries()) {
    let size = sizes.get(nameOf(rs)) ?? specReplicas(rs);
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + (toAdd - added));
    await scaleReplicaSet(ctx, rs, size, d, operation);
  }
}

export interface ScaleResult {
  scaled: boolean;
  rs: ReplicaSet;
}

export async function scaleReplicaSetAndRecordEvent(
  ctx: SyncContext,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
): Promise<ScaleResult> {
  if (specReplicas(rs) === newScale) return { scaled: false, rs };
  return scaleReplicaSet(ctx, rs, newScale, d, specReplicas(rs) < newScale ? 'up' : 'down');
}

/** Sets the size and the replicas annotations; records ScalingReplicaSet when the size changed. */
export async function scaleReplicaSet(
  ctx: SyncContext,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
  operation: string,
): Promise<ScaleResult> {
  const { desired, max } = replicasAnnotations(d);
  const oldScale = specReplicas(rs);
  const sizeNeedsUpdate = oldScale !== newScale;
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
  const copy = structuredClone(rs);
  (copy.spec ??= { selector: {} }).replicas = newScale;
  setReplicasAnnotations(copy, desired, max);
  const updated = await ctx.replicaSets.update(copy);
  if (sizeNeedsUpdate) {
    const msg = `Scaled ${operation} replica set ${nameOf(rs)} from ${oldScale} to ${newScale}`;
    ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', msg);
  }
  return { scaled: sizeNeedsUpdate, rs: updated };
}

/**
 * cleanupDeployment: keep only revisionHistoryLimit old ReplicaSets, deleting the oldest
 * revisions first, and only those fully scaled down whose controller has caught up.
 */
export async function cleanupDeployment(
  ctx: SyncContext,
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<void> {
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
  const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
  for (let i = 0; i < diff; i++) {
    const rs = cleanable[i];
    if (!rs) break;
    const observed = (rs.status?.observedGeneration ?? 0) >= (rs.metadata?.generation ?? 0);
    if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || !observed) continue;
    try {
      await ctx.replicaSets.delete(namespaceOf(rs), nameOf(rs));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** syncStatusOnly: a deployment being deleted only gets its status updated. */
export async function syncStatusOnly(ctx: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}

/** sync: scaling events and paused deployments; paused ones also get their history cleaned. */
export async function sync(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  rollingBack: boolean,
): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await scale(ctx, d, newRS, oldRSs);
  if (d.spec?.paused && !rollingBack) await cleanupDeployment(ctx, oldRSs, d);
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}

/**
 * isScalingEvent: spec.replicas differs from the desired-replicas annotation of an active
 * ReplicaSet, i.e. the deployment was resized rather than given a new template.
 */
export async function isScalingEvent(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired !== undefined && desired !== specReplicas(d)) return true;
  }
  return false;
}
