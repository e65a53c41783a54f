/**
 * Revision bookkeeping, the new ReplicaSet, proportional scaling, history cleanup and status:
 * pkg/controller/deployment/sync.go.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { KubeApiError, isAlreadyExists, isNotFound } from '../../../kube/errors';
import { isControlledBy, newControllerRef } from '../util/owners';
import {
  maxRevision,
  REVISION_ANNOTATION,
  replicasAnnotationsNeedUpdate,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './annotations';
import {
  AVAILABLE,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  newCondition,
  PROGRESSING,
  REASON,
  setCondition,
} from './conditions';
import { type SyncContext, nameOf, namespaceOf, writeStatus } from './context';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL, semanticEqual } from './hash';
import {
  actualReplicaCount,
  availableReplicaCount,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasAnnotation,
  filterActive,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getProportion,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  readyReplicaCount,
  replicaCount,
  specReplicas,
} from './util';

const replicasAnnotations = (d: Deployment) => ({
  desired: specReplicas(d),
  max: specReplicas(d) + maxSurge(d),
});

/**
 * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when `create` and missing) and
 * all old ones, with the new one's revision raised above the old ones and copied to `d`.
 */
export async function getAllReplicaSetsAndSyncRevision(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  create: boolean,
): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(ctx, d, rsList, oldRSs, create);
  return { newRS, oldRSs };
}

async function getNewReplicaSet(
  ctx: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  oldRSs: ReplicaSet[],
  create: boolean,
): Promise<ReplicaSet | undefined> {
  const status = (d.status ??= {});
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = String(maxRevision(oldRSs) + 1);

  if (existing) {
    const rs = structuredClone(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, rs, newRevision, true, replicasAnnotations(d));
    const minReady = d.spec?.minReadySeconds ?? 0;
    if (annotationsUpdated || (rs.spec?.minReadySeconds ?? 0) !== minReady) {
      (rs.spec ??= { selector: {} }).minReadySeconds = minReady;
      return ctx.replicaSets.update(rs);
    }
    // The revision on the ReplicaSet was set before; it is the one to trust.
    let needsUpdate = setDeploymentRevision(d, rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
    if (hasProgressDeadline(d) && !getCondition(status, PROGRESSING)) {
      const msg = `Found new replica set "${nameOf(rs)}"`;
      setCondition(status, newCondition(PROGRESSING, 'True', REASON.FoundNewRS, msg, ctx.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await writeStatus(ctx, d);
    return rs;
  }
  if (!create) return undefined;

  const template = structuredClone(d.spec?.template ?? {});
  const hash = computeHash(template, status.collisionCount);
  const meta = (template.metadata ??= {});
  meta.labels = { ...meta.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const name = `${nameOf(d)}-${hash}`;
  const newRS: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: namespaceOf(d),
      ownerReferences: [newControllerRef(d)],
      labels: { ...meta.labels },
    },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector: selectorWithLabel(d.spec?.selector, POD_TEMPLATE_HASH_LABEL, hash),
      template,
    },
  };
  const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  (newRS.spec ??= { selector: {} }).replicas = replicas;
  setNewReplicaSetAnnotations(d, newRS, newRevision, false, replicasAnnotations(d));

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = await ctx.replicaSets.create(namespaceOf(d), newRS);
  } catch (err) {
    if (isAlreadyExists(err)) {
      // A slow cache, or a hash collision: ours only if we control it and the templates agree.
      alreadyExists = true;
      const rs = ctx.cachedReplicaSet(namespaceOf(d), name);
      if (!rs) throw err;
      if (!isControlledBy(rs, d) || !equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await writeStatus(ctx, d).catch(() => undefined);
        ctx.log.info({ deployment: name, collisionCount: status.collisionCount }, 'hash collision');
        throw err;
      }
      created = rs;
    } else if (namespaceTerminating(err)) {
      throw err;
    } else {
      const msg = `Failed to create new replica set "${name}": ${errorMessage(err)}`;
      if (hasProgressDeadline(d)) {
        setCondition(status, newCondition(PROGRESSING, 'False', REASON.FailedRSCreate, msg, ctx.now()));
        await writeStatus(ctx, d).catch(() => undefined);
      }
      ctx.recorder.event(d, 'Warning', REASON.FailedRSCreate, msg);
      throw err;
    }
  }
  if (!alreadyExists && replicas > 0) {
    ctx.recorder.event(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${name} from 0 to ${replicas}`,
    );
  }
  let needsUpdate = setDeploymentRevision(d, newRevision);
  if (!alreadyExists && hasProgressDeadline(d)) {
    const msg = `Created new replica set "${name}"`;
    setCondition(status, newCondition(PROGRESSING, 'True', REASON.NewReplicaSet, msg, ctx.now()));
    needsUpdate = true;
  }
  if (needsUpdate) await writeStatus(ctx, d);
  return created;
}

function selectorWithLabel(sel: LabelSelector | undefined, key: string, value: string): LabelSelector {
  return { ...structuredClone(sel ?? {}), matchLabels: { ...sel?.matchLabels, [key]: value } };
}

function namespaceTerminating(err: unknown): boolean {
  return (
    err instanceof KubeApiError &&
    (err.status?.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating')
  );
}

function errorMessage(err: unknown): string {
  if (err instanceof KubeApiError) return err.status?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

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

/** calculateStatus: counts from the ReplicaSets, and the Available condition. */
export function calculateStatus(
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: Date,
): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicaCount(allRSs) - available),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    const msg = 'Deployment has minimum availability.';
    setCondition(status, newCondition(AVAILABLE, 'True', REASON.MinimumReplicasAvailable, msg, now));
  } else {
    const msg = 'Deployment does not have minimum availability.';
    setCondition(status, newCondition(AVAILABLE, 'False', REASON.MinimumReplicasUnavailable, msg, now));
  }
  return status;
}

/** Status as Go serializes it: zero counts are omitted (omitempty), so stored and computed compare equal. */
export function compactStatus(s: DeploymentStatus): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k !== 'collisionCount' && (v === 0 || v === undefined)) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as DeploymentStatus;
}

export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return semanticEqual(compactStatus(a ?? {}), compactStatus(b ?? {}));
}

/** syncDeploymentStatus: write the calculated status when it differs. */
export async function syncDeploymentStatus(
  ctx: SyncContext,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d, ctx.now());
  if (statusEqual(d.status, status)) return;
  d.status = compactStatus(status);
  await writeStatus(ctx, d);
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
