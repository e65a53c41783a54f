/**
 * The deployment controller (kube-controller-manager's "deployment"):
 * pkg/controller/deployment/deployment_controller.go. It watches Deployments, ReplicaSets and
 * pod deletions, and for each Deployment key runs one sync: adopt/release ReplicaSets, then
 * - being deleted: status only;
 * - paused: scaling only (no rollout progress) and history cleanup;
 * - rollback requested (deprecated annotation): roll the template back;
 * - resized (desired-replicas annotations disagree): proportional scaling;
 * - otherwise one step of its strategy, RollingUpdate or Recreate.
 * Everything is read from the informer caches; writes conflict (409) when the cache is
 * stale, and the key is retried with back-off.
 *
 * Known limitations:
 * - pod-template-hash values are computed over canonical JSON, not Go's struct printing, so
 *   they differ from a real cluster's for the same template (hash.ts);
 * - template equality treats absent, null, [] and {} alike (as Go does for nil and empty
 *   slices and maps) but not absent and false/0/"", which Go's decoding would merge;
 * - status.terminatingReplicas (alpha in 1.33, off by default) is not reported.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { BY_NAMESPACE, keyOf } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { selectorIsEmpty, selectorMatches } from '../../../kube/selectors';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import {
  BY_CONTROLLER_UID,
  ORPHANS_BY_NAMESPACE,
  byControllerUid,
  controllerOf,
  orphansByNamespace,
} from '../util/owners';
import { claimReplicaSets } from './claim';
import { checkPausedConditions } from './paused';
import type { PodMap, SyncContext } from './context';
import { rolloutRecreate } from './recreate';
import { getRollbackTo, rollback } from './rollback';
import { rolloutRolling } from './rolling';
import { isScalingEvent, sync, syncStatusOnly } from './sync';
import { isRollingUpdate } from './util';
import { queueController } from '../util/queue';

/** As in kube-controller-manager's --controllers list. */
export const NAME = 'deployment';
/** source.component of its events. */
export const COMPONENT = 'deployment-controller';

export const createDeploymentController: ControllerFactory = (cx) => {
  const deployments = cx.informers.informer<Deployment>(R.deployments);
  const replicaSets = cx.informers.informer<ReplicaSet>(R.replicasets);
  const pods = cx.informers.informer<Pod>(R.pods);
  replicaSets.addIndex(BY_CONTROLLER_UID, byControllerUid);
  replicaSets.addIndex(ORPHANS_BY_NAMESPACE, orphansByNamespace);
  pods.addIndex(BY_CONTROLLER_UID, byControllerUid);

  const queue = new WorkQueue({ name: NAME, log: cx.log });
  const enqueue = (d: Deployment) => queue.add(keyOf(d));

  const ctx: SyncContext = {
    deployments: cx.client.resource<Deployment>(R.deployments),
    replicaSets: cx.client.resource<ReplicaSet>(R.replicasets),
    cachedReplicaSet: (ns, name) => replicaSets.getByName(ns, name),
    recorder: cx.recorder(COMPONENT),
    log: cx.log,
    now: cx.now,
    enqueueAfter: (d, ms) => queue.addAfter(keyOf(d), ms),
  };

  /** resolveControllerRef: the Deployment a ReplicaSet's controller reference names, if it is that one. */
  const owner = (rs: ReplicaSet): Deployment | undefined => {
    const ref = controllerOf(rs);
    if (ref?.kind !== 'Deployment' || !ref.apiVersion.startsWith('apps/')) return undefined;
    const d = deployments.getByName(rs.metadata?.namespace ?? '', ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  };
  /** getDeploymentsForReplicaSet: deployments whose selector matches an orphan ReplicaSet. */
  const matching = (rs: ReplicaSet): Deployment[] =>
    deployments
      .byIndex(BY_NAMESPACE, rs.metadata?.namespace ?? '')
      .filter(
        (d) => !selectorIsEmpty(d.spec?.selector) && selectorMatches(d.spec?.selector, rs.metadata?.labels),
      );

  const onReplicaSet = (rs: ReplicaSet) => {
    const d = owner(rs);
    if (d) enqueue(d);
    else if (!controllerOf(rs)) for (const m of matching(rs)) enqueue(m);
  };

  deployments.addHandlers({ onAdd: enqueue, onUpdate: (_old, cur) => enqueue(cur), onDelete: enqueue });
  replicaSets.addHandlers({
    onAdd: onReplicaSet,
    onUpdate(old, cur) {
      const oldRef = controllerOf(old);
      if (oldRef && oldRef.uid !== controllerOf(cur)?.uid) onReplicaSet(old);
      onReplicaSet(cur);
    },
    onDelete(rs) {
      const d = owner(rs);
      if (d) enqueue(d);
    },
  });
  pods.addHandlers({
    // Recreate waits for the old pods to be gone; wake it when the last one is.
    onDelete(pod) {
      const ref = controllerOf(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = replicaSets.getByName(pod.metadata?.namespace ?? '', ref.name);
      const d = rs && owner(rs);
      if (!d || isRollingUpdate(d)) return;
      if (podMapFor(ownedReplicaSets(d)).size === 0) enqueue(d);
    },
  });

  const ownedReplicaSets = (d: Deployment): ReplicaSet[] =>
    replicaSets.byIndex(BY_CONTROLLER_UID, d.metadata?.uid ?? '');

  /** getPodMapForDeployment: pods by the uid of the (owned) ReplicaSet controlling them. */
  const podMapFor = (rsList: ReplicaSet[]): PodMap => {
    const map: PodMap = new Map();
    for (const rs of rsList) {
      const uid = rs.metadata?.uid ?? '';
      const list = pods.byIndex(BY_CONTROLLER_UID, uid);
      if (list.length > 0) map.set(uid, list);
    }
    return map;
  };

  const syncDeployment = async (key: string): Promise<void> => {
    const cached = deployments.get(key);
    if (!cached) return; // deleted
    const d = structuredClone(cached);
    d.status ??= {};

    if (selectorIsEmpty(d.spec?.selector)) {
      const msg = 'This deployment is selecting all pods. A non-empty selector is required.';
      ctx.recorder.event(d, 'Warning', 'SelectingAll', msg);
      if ((d.status.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status.observedGeneration = d.metadata?.generation;
        await ctx.deployments.updateStatus(d);
      }
      return;
    }

    const ns = d.metadata?.namespace ?? '';
    const candidates = [...ownedReplicaSets(d), ...replicaSets.byIndex(ORPHANS_BY_NAMESPACE, ns)];
    const rsList = (await claimReplicaSets(ctx, d, candidates)).map((rs) => structuredClone(rs));

    if (d.metadata?.deletionTimestamp) return syncStatusOnly(ctx, d, rsList);

    // Unknown-status Progressing condition on pause/resume, so a resumed deployment does not
    // time out for the time it spent paused.
    await checkPausedConditions(ctx, d);
    if (d.spec?.paused) return sync(ctx, d, rsList, getRollbackTo(d) !== undefined);

    // Rollback is not re-entrant: finish it (clearing the annotation) before anything else.
    if (getRollbackTo(d) !== undefined) return rollback(ctx, d, rsList);

    if (await isScalingEvent(ctx, d, rsList)) return sync(ctx, d, rsList, false);

    if (isRollingUpdate(d)) return rolloutRolling(ctx, d, rsList);
    return rolloutRecreate(ctx, d, rsList, podMapFor(rsList));
  };

  return queueController(NAME, queue, cx.options.concurrentSyncs, syncDeployment);
};
