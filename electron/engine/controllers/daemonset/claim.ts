/**
 * Adoption and release, as kube-controller-manager's ControllerRefManager (ClaimPods,
 * ClaimControllerRevisions): of the candidate objects in the owner's namespace,
 * - those controlled by the owner and matching its selector are claimed;
 * - those controlled by the owner that no longer match are released (the controller
 *   ownerReference removed) unless the owner is being deleted;
 * - orphans that match are adopted (a controller ownerReference added) unless the owner or
 *   the orphan is being deleted; before the first adoption the owner is read fresh from the
 *   API server (RecheckDeletionTimestamp) so a deleted owner does not adopt;
 * - objects controlled by someone else are left alone.
 * Writes are merge patches carrying the object's resourceVersion, so a concurrent change
 * fails with 409 and the sync is retried; an object already gone (404) is simply not claimed.
 */
import type { LabelSelector, OwnerReference } from 'kubernetes-types/meta/v1';
import { isNotFound } from '../../../kube/errors';
import { selectorMatches } from '../../../kube/selectors';
import type { KubeObject, ResourceClient } from '../../../kube/types';
import {
  BY_CONTROLLER_UID,
  ORPHANS_BY_NAMESPACE,
  byControllerUid,
  controllerOf,
  isDeleting,
  newControllerRef,
  orphansByNamespace,
} from '../util/owners';

/** Registers both indexes on an informer (before it starts). */
export function addClaimIndexes(inf: {
  addIndex(name: string, fn: (o: KubeObject) => string[]): void;
}): void {
  inf.addIndex(BY_CONTROLLER_UID, byControllerUid);
  inf.addIndex(ORPHANS_BY_NAMESPACE, orphansByNamespace);
}

/** What may be claimed by `owner` from `inf`: its own objects and the orphans beside it. */
export function claimCandidates<T extends KubeObject>(
  inf: { byIndex(name: string, value: string): T[] },
  owner: KubeObject,
): T[] {
  return [
    ...inf.byIndex(BY_CONTROLLER_UID, owner.metadata?.uid ?? ''),
    ...inf.byIndex(ORPHANS_BY_NAMESPACE, owner.metadata?.namespace ?? ''),
  ];
}

export interface ClaimRequest<T extends KubeObject> {
  /** The controller (with kind, apiVersion and uid). */
  owner: KubeObject;
  selector: LabelSelector | undefined;
  /** Objects owned by `owner` plus orphans in its namespace; others are ignored. */
  candidates: T[];
  api: ResourceClient<T>;
  /** Resolves true when the owner may adopt (fresh read: same uid, not being deleted). */
  canAdopt: () => Promise<boolean>;
}

export async function claimObjects<T extends KubeObject>(req: ClaimRequest<T>): Promise<T[]> {
  const uid = req.owner.metadata?.uid;
  const ownerDeleting = isDeleting(req.owner);
  const claimed: T[] = [];
  let adoptionAllowed: Promise<boolean> | null = null;
  for (const obj of req.candidates) {
    const ref = controllerOf(obj);
    const matches = selectorMatches(req.selector, obj.metadata?.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) claimed.push(obj);
      else if (!ownerDeleting) await patchOwners(req.api, obj, (refs) => refs.filter((r) => r.uid !== uid));
      continue;
    }
    if (ownerDeleting || !matches || isDeleting(obj)) continue;
    if (obj.metadata?.namespace !== req.owner.metadata?.namespace) continue;
    adoptionAllowed ??= req.canAdopt();
    if (!(await adoptionAllowed)) continue;
    const adopted = await patchOwners(req.api, obj, (refs) => [...refs, newControllerRef(req.owner)]);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

async function patchOwners<T extends KubeObject>(
  api: ResourceClient<T>,
  obj: T,
  change: (refs: OwnerReference[]) => OwnerReference[],
): Promise<T | undefined> {
  const meta = obj.metadata ?? {};
  try {
    return await api.patch(meta.namespace ?? '', meta.name ?? '', 'merge', {
      metadata: {
        resourceVersion: meta.resourceVersion,
        uid: meta.uid,
        ownerReferences: change(meta.ownerReferences ?? []),
      },
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
