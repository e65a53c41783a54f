/**
 * The replica controller behind both the ReplicaSet and the ReplicationController controllers
 * (kube-controller-manager's ReplicaSetController; Kubernetes runs RCs through it with a
 * conversion, here through the WorkloadKind adapter).
 *
 * One sync of `namespace/name`:
 *  1. the candidate pods are the ones the object controls plus the namespace's orphans (two
 *     informer indexes, so a sync is O(own pods), not O(pods in the namespace));
 *  2. inactive pods (finished, or being deleted) are dropped; the rest are claimed (claim.ts);
 *  3. if the expectations of the last sync are met and the object is not being deleted, the
 *     difference to spec.replicas is created (slow-start batches) or deleted (ranking.ts),
 *     at most burstReplicas (500) per sync;
 *  4. the status is recomputed and written when it changed.
 * Pod events feed the expectations (a create or delete counts once it is observed) and queue
 * the owning object; an orphan's events queue every object whose selector matches it.
 *
 * Known limitations: status.terminatingReplicas (alpha in Kubernetes 1.33) is not reported;
 * pods that are being deleted simply do not count, as before that feature.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { isNotFound } from '../../../kube/errors';
import { keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { type LabelRequirement, matchLabels } from '../../../kube/selectors';
import { WorkQueue } from '../../../kube/workqueue';
import type { Controller, ControllerContext } from '../types';
import {
  BY_CONTROLLER_UID,
  ORPHANS_BY_NAMESPACE,
  byControllerUid,
  controllerOf,
  newControllerRef,
  orphansByNamespace,
} from '../util/owners';
import { isPodActive, isPodReady } from '../util/pods';
import { MAX_IN_FLIGHT, settleLimit, slowStartBatch } from './batch';
import { claimPods } from './claim';
import { Expectations } from './expectations';
import { PodControl, apiError, isNamespaceTerminating } from './pod-control';
import { podsToDelete } from './ranking';
import { calculateStatus, sameStatus } from './status';
import type { ReplicaStatus, Workload, WorkloadKind } from './workload';

/** The ReplicaSet controller's burstReplicas: the most pods created or deleted in one sync. */
export const BURST_REPLICAS = 500;
/** controller.SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH = 1;

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function labelsChanged(a: Pod, b: Pod): boolean {
  return JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {});
}

export function createReplicaController(kind: WorkloadKind, ctx: ControllerContext): Controller {
  const log = ctx.log;
  const queue = new WorkQueue({ name: kind.name, log });
  const expectations = new Expectations(() => ctx.now().getTime());
  const owners = ctx.informers.informer<Workload>(kind.ref);
  const pods = ctx.informers.informer<Pod>(R.pods);
  pods.addIndex(BY_CONTROLLER_UID, byControllerUid);
  pods.addIndex(ORPHANS_BY_NAMESPACE, orphansByNamespace);
  owners.addIndex(BY_CONTROLLER_UID, byControllerUid);
  const recorder = ctx.recorder(kind.component);
  const control = new PodControl(ctx.client, recorder);
  const ownerClient = ctx.client.resource<Workload>(kind.ref);

  /** The object `ref` points to, if it is of our kind and still the same object (uid). */
  const resolve = (namespace: string, ref: OwnerReference | undefined): Workload | undefined => {
    if (!ref || ref.kind !== kind.ref.kind) return undefined;
    const obj = owners.getByName(namespace, ref.name);
    return obj?.metadata?.uid === ref.uid ? obj : undefined;
  };

  /** Objects of our kind in the pod's namespace whose selector matches it (getPodReplicaSets). */
  const matching = (pod: Pod): Workload[] =>
    owners.byIndex('namespace', pod.metadata?.namespace ?? '').filter((o) => {
      const sel = kind.selector(o);
      return sel !== null && matchLabels(sel, pod.metadata?.labels);
    });

  const enqueue = (o: Workload) => queue.add(keyOf(o));

  const podDeleted = (pod: Pod) => {
    const owner = resolve(pod.metadata?.namespace ?? '', controllerOf(pod));
    if (!owner) return;
    const key = keyOf(owner);
    expectations.deletionObserved(key, podKey(pod));
    queue.add(key);
  };

  owners.addHandlers({
    onAdd: enqueue,
    onUpdate: (_old, cur) => enqueue(cur),
    onDelete: (o) => {
      expectations.delete(keyOf(o));
      enqueue(o);
    },
  });

  pods.addHandlers({
    onAdd(pod) {
      // A pod seen first with a deletionTimestamp (after a relist) counts as deleted.
      if (pod.metadata?.deletionTimestamp) return podDeleted(pod);
      const ref = controllerOf(pod);
      if (ref) {
        const owner = resolve(pod.metadata?.namespace ?? '', ref);
        if (!owner) return;
        const key = keyOf(owner);
        expectations.creationObserved(key);
        queue.add(key);
        return;
      }
      for (const o of matching(pod)) enqueue(o);
    },
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const labelChange = labelsChanged(old, cur);
      if (cur.metadata?.deletionTimestamp) {
        // Graceful deletion started: the pod no longer counts, so act on it now rather than
        // when the kubelet finishes (Kubernetes does the same).
        podDeleted(cur);
        if (labelChange) podDeleted(old);
        return;
      }
      const oldRef = controllerOf(old);
      const curRef = controllerOf(cur);
      const refChanged = oldRef?.uid !== curRef?.uid;
      if (refChanged && oldRef) {
        const prior = resolve(old.metadata?.namespace ?? '', oldRef);
        if (prior) enqueue(prior);
      }
      if (curRef) {
        const owner = resolve(cur.metadata?.namespace ?? '', curRef);
        if (!owner) return;
        enqueue(owner);
        // A pod that just became ready becomes available minReadySeconds later.
        const minReady = kind.minReadySeconds(owner);
        if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) {
          queue.addAfter(keyOf(owner), minReady * 1000 + 1000);
        }
        return;
      }
      if (labelChange || refChanged) for (const o of matching(cur)) enqueue(o);
    },
    onDelete: podDeleted,
  });

  /** Pods of every object sharing `owner`'s controller, for the scale-down ranking. */
  const relatedPods = (owner: Workload): Pod[] => {
    const parent = controllerOf(owner)?.uid;
    if (!parent) return pods.byIndex(BY_CONTROLLER_UID, owner.metadata?.uid ?? '');
    const out: Pod[] = [];
    for (const sibling of owners.byIndex(BY_CONTROLLER_UID, parent)) {
      out.push(...pods.byIndex(BY_CONTROLLER_UID, sibling.metadata?.uid ?? ''));
    }
    return out;
  };

  /** RecheckDeletionTimestamp: a fresh read decides whether the object may still adopt. */
  const recheck = (owner: Workload) => async (): Promise<string | null> => {
    const ns = owner.metadata?.namespace ?? '';
    const name = owner.metadata?.name ?? '';
    const fresh = await ownerClient.get(ns, name);
    if (fresh.metadata?.uid !== owner.metadata?.uid) {
      return `original ${kind.ref.kind} ${ns}/${name} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${owner.metadata?.uid ?? ''}`;
    }
    if (fresh.metadata?.deletionTimestamp) {
      return `${ns}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`;
    }
    return null;
  };

  /** Create or delete pods to reach spec.replicas (manageReplicas). Resolves with the error, if any. */
  async function manageReplicas(key: string, owner: Workload, active: Pod[]): Promise<Error | null> {
    const diff = active.length - kind.replicas(owner);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      const template = kind.template(owner);
      if (!template) return new Error(`${kind.ref.kind} ${key} has no pod template`);
      const ref = newControllerRef(owner);
      expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, async () => {
        try {
          await control.create(owner, template, ref);
        } catch (err) {
          // The namespace is going away: nothing to create, and nothing to report.
          if (isNamespaceTerminating(err)) {
            expectations.creationObserved(key);
            return;
          }
          throw err;
        }
      });
      if (error === undefined) return null;
      // Creates that failed or never ran will not be observed: stop expecting them.
      for (let i = successes; i < count; i++) expectations.creationObserved(key);
      return apiError(error);
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(active, relatedPods(owner), count, ctx.now().getTime());
      expectations.expectDeletions(key, victims.map(podKey));
      const results = await settleLimit(victims, MAX_IN_FLIGHT, (pod) => control.delete(owner, pod));
      let first: Error | null = null;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        const pod = victims[i] as Pod;
        expectations.deletionObserved(key, podKey(pod));
        if (!isNotFound(r.reason)) first ??= apiError(r.reason);
      });
      return first;
    }
    return null;
  }

  async function writeStatus(owner: Workload, status: ReplicaStatus): Promise<void> {
    const patch = {
      status: {
        replicas: status.replicas,
        fullyLabeledReplicas: status.fullyLabeledReplicas || null,
        readyReplicas: status.readyReplicas || null,
        availableReplicas: status.availableReplicas || null,
        observedGeneration: status.observedGeneration ?? null,
        conditions: status.conditions ?? null,
      },
    };
    try {
      await ownerClient.patch(owner.metadata?.namespace ?? '', owner.metadata?.name ?? '', 'merge', patch, {
        subresource: 'status',
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async function sync(key: string): Promise<void> {
    const owner = owners.get(key);
    if (!owner) {
      expectations.delete(key);
      return;
    }
    const selector: LabelRequirement[] | null = kind.selector(owner);
    if (!selector) {
      log.warn({ controller: kind.name, key }, 'invalid or empty selector; not managing pods');
      return;
    }
    const needsSync = expectations.satisfied(key);
    const [namespace] = splitKey(key);
    const candidates = [
      ...pods.byIndex(BY_CONTROLLER_UID, owner.metadata?.uid ?? ''),
      ...pods.byIndex(ORPHANS_BY_NAMESPACE, namespace),
    ].filter(isPodActive);
    const { claimed, errors } = await claimPods(
      owner,
      selector,
      candidates,
      newControllerRef(owner),
      control,
      recheck(owner),
    );
    if (errors.length > 0) throw errors[0];

    let manageError: Error | null = null;
    if (needsSync && !owner.metadata?.deletionTimestamp) {
      manageError = await manageReplicas(key, owner, claimed);
    }
    const now = ctx.now();
    const desired = kind.replicas(owner);
    const minReady = kind.minReadySeconds(owner);
    const status = calculateStatus({
      current: owner.status,
      generation: owner.metadata?.generation,
      templateLabels: kind.template(owner)?.metadata?.labels,
      minReadySeconds: minReady,
      desired,
      pods: claimed,
      manageError,
      now,
    });
    if (!sameStatus(owner.status, status)) await writeStatus(owner, status);
    if (manageError) throw manageError;
    if (minReady > 0 && status.readyReplicas === desired && status.availableReplicas !== desired) {
      queue.addAfter(key, minReady * 1000);
    }
  }

  return {
    name: kind.name,
    start() {
      queue.run(ctx.options.concurrentSyncs, sync);
    },
    stop() {
      return queue.shutDown();
    },
  };
}
