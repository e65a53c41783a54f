/**
 * ReplicaSet adoption and release, as controller.ReplicaSetControllerRefManager.ClaimReplicaSets
 * does for the deployment controller: a Deployment adopts orphan ReplicaSets its selector
 * matches (unless it is being deleted, checked against a fresh read), and releases the ones it
 * controls that its selector no longer matches. Both are strategic-merge patches of
 * ownerReferences carrying the ReplicaSet's uid, so they fail on a recreated object.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { isNotFound, KubeApiError } from '../../../kube/errors';
import { selectorMatches } from '../../../kube/selectors';
import { controllerOf, isControlledBy, isDeleting, newControllerRef } from '../util/owners';
import { type SyncContext, nameOf, namespaceOf } from './context';

/**
 * The ReplicaSets `d` controls after adoption/release. `candidates` are the ReplicaSets of its
 * namespace that it controls already or that have no controller.
 */
export async function claimReplicaSets(
  ctx: SyncContext,
  d: Deployment,
  candidates: readonly ReplicaSet[],
): Promise<ReplicaSet[]> {
  const claimed: ReplicaSet[] = [];
  const errors: unknown[] = [];
  let canAdopt: boolean | undefined;
  for (const rs of candidates) {
    const matches = selectorMatches(d.spec?.selector, rs.metadata?.labels);
    if (isControlledBy(rs, d)) {
      if (matches) {
        claimed.push(rs);
        continue;
      }
      // Ours, but the selector moved away: release it (not while being deleted: the garbage
      // collector handles our ReplicaSets then).
      if (isDeleting(d)) continue;
      await release(ctx, d, rs).catch((err: unknown) => errors.push(err));
      continue;
    }
    if (controllerOf(rs) || !matches || isDeleting(d) || isDeleting(rs)) continue;
    canAdopt ??= await recheckCanAdopt(ctx, d);
    if (!canAdopt) continue;
    try {
      claimed.push(await adopt(ctx, d, rs));
    } catch (err) {
      if (!isNotFound(err)) errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

/** RecheckDeletionTimestamp: a quorum read, so a stale cache never adopts for a deleted deployment. */
async function recheckCanAdopt(ctx: SyncContext, d: Deployment): Promise<boolean> {
  const fresh = await ctx.deployments.get(namespaceOf(d), nameOf(d));
  if (fresh.metadata?.uid !== d.metadata?.uid) {
    throw new Error(
      `original Deployment ${namespaceOf(d)}/${nameOf(d)} is gone: got uid ${fresh.metadata?.uid}`,
    );
  }
  return !isDeleting(fresh);
}

async function adopt(ctx: SyncContext, d: Deployment, rs: ReplicaSet): Promise<ReplicaSet> {
  const patch = { metadata: { ownerReferences: [newControllerRef(d)], uid: rs.metadata?.uid } };
  return ctx.replicaSets.patch(namespaceOf(rs), nameOf(rs), 'strategic', patch);
}

async function release(ctx: SyncContext, d: Deployment, rs: ReplicaSet): Promise<void> {
  const patch = {
    metadata: { ownerReferences: [{ $patch: 'delete', uid: d.metadata?.uid }], uid: rs.metadata?.uid },
  };
  try {
    await ctx.replicaSets.patch(namespaceOf(rs), nameOf(rs), 'strategic', patch);
  } catch (err) {
    // Gone, or no longer ours: nothing to release (as Kubernetes ignores NotFound and Invalid).
    if (isNotFound(err) || (err instanceof KubeApiError && err.code === 422)) return;
    throw err;
  }
}
