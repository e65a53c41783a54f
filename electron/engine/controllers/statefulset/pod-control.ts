/**
 * StatefulPodControl against the API server (stateful_pod_control.go): PVCs before pods,
 * events in the StatefulSet controller's wording, and the PVC retention policy
 * (persistentVolumeClaimRetentionPolicy, default Retain/Retain): with whenDeleted=Delete each
 * claim gets a (non-controller) ownerReference to the set, so the garbage collector removes it
 * with the set; with whenScaled=Delete a claim of a pod removed by scale-down gets an
 * ownerReference to that pod before the pod is deleted, so it goes with the pod.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { isAlreadyExists, isNotFound } from '../../../kube/errors';
import type { EventRecorder } from '../../../kube/events';
import type { Informer } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import type { StatefulPodControl } from './control';
import {
  claimsFor,
  identityMatches,
  ordinalOf,
  storageMatches,
  updateIdentity,
  updateStorage,
} from './identity';

function setOwnerRef(set: StatefulSet): OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    name: set.metadata?.name ?? '',
    uid: set.metadata?.uid ?? '',
    blockOwnerDeletion: true,
  };
}

export function createPodControl(
  client: KubeClient,
  claims: Informer<PersistentVolumeClaim>,
  recorder: EventRecorder,
): StatefulPodControl {
  const podsApi = client.resource<Pod>(R.pods);
  const pvcApi = client.resource<PersistentVolumeClaim>(R.persistentvolumeclaims);
  const ns = (set: StatefulSet) => set.metadata?.namespace ?? '';
  const setName = (set: StatefulSet) => set.metadata?.name ?? '';

  async function createClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const whenDeleted = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain';
    for (const claim of claimsFor(set, ordinalOf(pod)).values()) {
      const name = claim.metadata?.name ?? '';
      const cached = claims.getByName(ns(set), name);
      if (cached?.metadata?.deletionTimestamp) {
        throw new Error(`pvc ${name} is being deleted; waiting before creating pod ${pod.metadata?.name}`);
      }
      if (cached) continue;
      if (whenDeleted === 'Delete') (claim.metadata ??= {}).ownerReferences = [setOwnerRef(set)];
      try {
        await pvcApi.create(ns(set), claim);
        recorder.event(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${name} Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} success`,
        );
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        recorder.event(
          set,
          'Warning',
          'FailedCreate',
          `create Claim ${name} for Pod ${pod.metadata?.name} in StatefulSet ${setName(set)} failed error: ${(err as Error).message}`,
        );
        throw err;
      }
    }
  }

  /** whenScaled=Delete: the claims of a condemned pod go with it. */
  async function handOverClaims(set: StatefulSet, pod: Pod): Promise<void> {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    const ref: OwnerReference = {
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod.metadata?.name ?? '',
      uid: pod.metadata?.uid ?? '',
    };
    for (const claim of claimsFor(set, ordinalOf(pod)).values()) {
      const cached = claims.getByName(ns(set), claim.metadata?.name ?? '');
      if (!cached || cached.metadata?.ownerReferences?.some((r) => r.uid === ref.uid)) continue;
      await pvcApi
        .patch(ns(set), cached.metadata?.name ?? '', 'merge', {
          metadata: {
            resourceVersion: cached.metadata?.resourceVersion,
            ownerReferences: [...(cached.metadata?.ownerReferences ?? []), ref],
          },
        })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
  }

  return {
    async createPod(set, pod) {
      const name = pod.metadata?.name ?? '';
      try {
        await createClaims(set, pod);
        await podsApi.create(ns(set), pod);
      } catch (err) {
        // Already there: our cache is behind; the retry will see it. Not worth a warning.
        if (!isAlreadyExists(err)) {
          recorder.event(
            set,
            'Warning',
            'FailedCreate',
            `create Pod ${name} in StatefulSet ${setName(set)} failed error: ${(err as Error).message}`,
          );
        }
        throw err;
      }
      recorder.event(
        set,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${name} in StatefulSet ${setName(set)} successful`,
      );
    },
    async deletePod(set, pod, condemned) {
      const name = pod.metadata?.name ?? '';
      if (condemned) await handOverClaims(set, pod);
      try {
        await podsApi.delete(ns(set), name, { preconditions: { uid: pod.metadata?.uid } });
      } catch (err) {
        if (isNotFound(err)) return;
        recorder.event(
          set,
          'Warning',
          'FailedDelete',
          `delete Pod ${name} in StatefulSet ${setName(set)} failed error: ${(err as Error).message}`,
        );
        throw err;
      }
      recorder.event(
        set,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${name} in StatefulSet ${setName(set)} successful`,
      );
    },
    async updatePod(set, pod) {
      const name = pod.metadata?.name ?? '';
      if (!identityMatches(set, pod)) updateIdentity(set, pod);
      if (!storageMatches(set, pod)) {
        updateStorage(set, pod);
        await createClaims(set, pod);
      }
      try {
        await podsApi.update(pod);
      } catch (err) {
        recorder.event(
          set,
          'Warning',
          'FailedUpdate',
          `update Pod ${name} in StatefulSet ${setName(set)} failed error: ${(err as Error).message}`,
        );
        throw err;
      }
      recorder.event(
        set,
        'Normal',
        'SuccessfulUpdate',
        `update Pod ${name} in StatefulSet ${setName(set)} successful`,
      );
    },
    event(set, type, reason, message) {
      recorder.event(set, type, reason, message);
    },
  };
}
