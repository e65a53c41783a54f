/**
 * Claiming pods, as kube-controller-manager's PodControllerRefManager.ClaimPods: a controller
 * keeps the pods it controls that its selector matches, releases the ones it controls that no
 * longer match, and adopts matching orphans — never a pod controlled by someone else, never
 * while it is itself being deleted, and never a pod being deleted. Before the first adoption of
 * a sync it re-reads itself from the API server (RecheckDeletionTimestamp), so a controller
 * deleted a moment ago never adopts from a stale cache.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { KubeApiError, isNotFound } from '../../../kube/errors';
import { type LabelRequirement, matchLabels } from '../../../kube/selectors';
import type { KubeObject } from '../../../kube/types';
import { controllerOf } from '../util/owners';
import type { PodControl } from './pod-control';

export type Claim = 'keep' | 'adopt' | 'release' | 'ignore';

/** What `owner` does with `pod` (ClaimObject's decision, without the writes). */
export function classifyPod(pod: Pod, owner: KubeObject, selector: LabelRequirement[]): Claim {
  const ownerDeleting = Boolean(owner.metadata?.deletionTimestamp);
  const matches = matchLabels(selector, pod.metadata?.labels);
  const ref = controllerOf(pod);
  if (ref) {
    if (ref.uid !== owner.metadata?.uid) return 'ignore';
    if (matches) return 'keep';
    return ownerDeleting ? 'ignore' : 'release';
  }
  if (ownerDeleting || !matches) return 'ignore';
  if (pod.metadata?.deletionTimestamp) return 'ignore';
  if (owner.metadata?.namespace && owner.metadata.namespace !== pod.metadata?.namespace) return 'ignore';
  return 'adopt';
}

export interface ClaimResult {
  /** Pods the owner controls after the claim. */
  claimed: Pod[];
  /** Failures to adopt or release (the sync is retried). */
  errors: Error[];
}

/** Errors that mean the pod changed under us in a way that makes the write moot. */
function releaseIsMoot(err: unknown): boolean {
  return isNotFound(err) || (err instanceof KubeApiError && (err.code === 409 || err.code === 422));
}

/**
 * Claim `pods` for `owner`. `recheck` resolves to an error message when the owner may not adopt
 * (it was deleted or replaced), and is called at most once, lazily.
 */
export async function claimPods(
  owner: KubeObject,
  selector: LabelRequirement[],
  pods: Pod[],
  controllerRef: OwnerReference,
  control: PodControl,
  recheck: () => Promise<string | null>,
): Promise<ClaimResult> {
  const claimed: Pod[] = [];
  const errors: Error[] = [];
  const adopt: Pod[] = [];
  const release: Pod[] = [];
  for (const pod of pods) {
    const c = classifyPod(pod, owner, selector);
    if (c === 'keep') claimed.push(pod);
    else if (c === 'adopt') adopt.push(pod);
    else if (c === 'release') release.push(pod);
  }
  if (adopt.length > 0) {
    const refusal = await recheck();
    if (refusal) {
      errors.push(new Error(`can't adopt Pods: ${refusal}`));
    } else {
      await Promise.all(
        adopt.map(async (pod) => {
          try {
            await control.adopt(pod, controllerRef);
            claimed.push(pod);
          } catch (err) {
            if (!isNotFound(err)) errors.push(err as Error);
          }
        }),
      );
    }
  }
  await Promise.all(
    release.map(async (pod) => {
      try {
        await control.release(pod, owner.metadata?.uid ?? '');
      } catch (err) {
        if (!releaseIsMoot(err)) errors.push(err as Error);
      }
    }),
  );
  return { claimed, errors };
}
