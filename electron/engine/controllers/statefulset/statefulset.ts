/**
 * The StatefulSet controller (kube-controller-manager `statefulset`, pkg/controller/statefulset).
 * Each sync of a set adopts orphan ControllerRevisions that match its selector, claims its pods
 * (only pods whose name says they belong to it: `<set>-<ordinal>`), finds its current and update
 * revisions, runs one round of control.ts's ordered algorithm, trims history and writes status.
 * A set with minReadySeconds is looked at again once its ready pods may have become available.
 *
 * Known limitations: rollingUpdate.maxUnavailable (alpha MaxUnavailableStatefulSet) is not
 * honoured — updates go one pod at a time; with whenScaled=Delete, a claim handed to a
 * condemned pod keeps that ownerReference if the set scales up again before the pod is gone
 * (Kubernetes strips it); a create that fails with AlreadyExists (a stale cache) is retried
 * without the FailedCreate event Kubernetes would record.
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import { isConflict } from '../../../kube/errors';
import { keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { selectorMatches } from '../../../kube/selectors';
import { WorkQueue } from '../../../kube/workqueue';
import { addClaimIndexes, claimCandidates, claimObjects } from '../daemonset/claim';
import type { Controller, ControllerContext, ControllerFactory } from '../types';
import { controllerOf, isDeleting } from '../util/owners';
import { completeRollingUpdate, type Revisions, statusChanged, updateStatefulSet } from './control';
import { isMemberOf } from './identity';
import { createPodControl } from './pod-control';
import { statefulSetRevisions, truncateHistory } from './revisions';
import { enqueueEvery, queueController } from '../util/queue';

/** kube-controller-manager's --controllers name. */
export const NAME = 'statefulset';
/** The event source, as kube-controller-manager reports it. */
export const COMPONENT = 'statefulset-controller';

export const createStatefulSetController: ControllerFactory = (ctx: ControllerContext): Controller => {
  const sets = ctx.informers.informer<StatefulSet>(R.statefulsets);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const revisions = ctx.informers.informer<ControllerRevision>(R.controllerrevisions);
  const claims = ctx.informers.informer<PersistentVolumeClaim>(R.persistentvolumeclaims);
  addClaimIndexes(pods);
  addClaimIndexes(revisions);
  const queue = new WorkQueue({ name: NAME, log: ctx.log });
  const recorder = ctx.recorder(COMPONENT);
  const setsApi = ctx.client.resource<StatefulSet>(R.statefulsets);
  const podControl = createPodControl(ctx.client, claims, recorder);

  const ownerOf = (obj: Pod | ControllerRevision): StatefulSet | undefined => {
    const ref = controllerOf(obj);
    if (ref?.kind !== 'StatefulSet') return undefined;
    const set = sets.getByName(obj.metadata?.namespace ?? '', ref.name);
    return set?.metadata?.uid === ref.uid ? set : undefined;
  };
  const enqueueOwnerOrMatching = (pod: Pod) => {
    const set = ownerOf(pod);
    if (set) return queue.add(keyOf(set));
    if (controllerOf(pod)) return;
    for (const s of sets.byIndex('namespace', pod.metadata?.namespace ?? '')) {
      if (selectorMatches(s.spec?.selector, pod.metadata?.labels)) queue.add(keyOf(s));
    }
  };

  sets.addHandlers(enqueueEvery(queue));
  pods.addHandlers({
    onAdd: enqueueOwnerOrMatching,
    onUpdate(old, pod) {
      const before = ownerOf(old);
      if (before && before !== ownerOf(pod)) queue.add(keyOf(before));
      enqueueOwnerOrMatching(pod);
    },
    onDelete: enqueueOwnerOrMatching,
  });
  revisions.addHandlers({
    onAdd: (r) => {
      const set = ownerOf(r);
      if (set) queue.add(keyOf(set));
    },
  });

  const canAdopt = async (set: StatefulSet): Promise<boolean> => {
    const fresh = await setsApi.get(set.metadata?.namespace ?? '', set.metadata?.name ?? '');
    return fresh.metadata?.uid === set.metadata?.uid && !isDeleting(fresh);
  };

  async function writeStatus(set: StatefulSet, next: NonNullable<StatefulSet['status']>): Promise<void> {
    let target = set;
    for (let attempt = 0; ; attempt++) {
      if (!statusChanged(target.status, next)) return;
      try {
        await setsApi.updateStatus({ ...target, status: next });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 3) throw err;
        target = await setsApi.get(set.metadata?.namespace ?? '', set.metadata?.name ?? '');
      }
    }
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const set = sets.getByName(ns, name);
    if (!set) return;
    const owned = await claimObjects({
      owner: set,
      selector: set.spec?.selector,
      candidates: claimCandidates(revisions, set),
      api: ctx.client.resource<ControllerRevision>(R.controllerrevisions),
      canAdopt: () => canAdopt(set),
    });
    const claimed = await claimObjects({
      owner: set,
      selector: set.spec?.selector,
      candidates: claimCandidates(pods, set).filter((p) => isMemberOf(set, p)),
      api: ctx.client.resource<Pod>(R.pods),
      canAdopt: () => canAdopt(set),
    });
    let revs: Revisions | null = null;
    let failure: unknown = null;
    try {
      revs = await statefulSetRevisions(ctx.client, set, owned);
      const now = ctx.now();
      const status = completeRollingUpdate(set, await updateStatefulSet(set, revs, claimed, podControl, now));
      await writeStatus(set, status);
      const minReady = set.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && status.readyReplicas !== status.availableReplicas) {
        queue.addAfter(key, minReady * 1000);
      }
    } catch (err) {
      failure = err;
    }
    await truncateHistory(ctx.client, set, claimed, owned, revs);
    if (failure) throw failure;
  }

  return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
};
