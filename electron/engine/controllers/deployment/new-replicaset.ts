/**
 * Finding or creating the new ReplicaSet and keeping revisions in order: getNewReplicaSet and
 * getAllReplicaSetsAndSyncRevision of pkg/controller/deployment/sync.go.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { KubeApiError, isAlreadyExists } from '../../../kube/errors';
import { isControlledBy, newControllerRef } from '../util/owners';
import {
  maxRevision,
  REVISION_ANNOTATION,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
} from './annotations';
import {
  getCondition,
  hasProgressDeadline,
  newCondition,
  PROGRESSING,
  REASON,
  setCondition,
} from './conditions';
import { type SyncContext, nameOf, namespaceOf, writeStatus } from './context';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './hash';
import { findNewReplicaSet, findOldReplicaSets, maxSurge, newRSNewReplicas, specReplicas } from './util';

/** The desired-replicas and max-replicas annotation values for `d`. */
export const replicasAnnotations = (d: Deployment) => ({
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
